#!/usr/bin/env node
'use strict';
// cbsvc command line: the built CLI when present, else the TypeScript sources through tsx.
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
let cli;
if (fs.existsSync(built)) cli = require(built);
else {
  require('tsx/cjs');
  cli = require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`cbsvc: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
