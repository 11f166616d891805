import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The shape of src/ as docs/ARCHITECTURE.md draws it: no import circles, and each layer imports only
 * what is below it. Reads the import/export specifiers of every src file (type-only ones too: a circle
 * through types still ties the modules together for a reader).
 */
const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  return undefined;
}

interface Module { file: string; local: string[]; packages: string[] }

function readModules(): Map<string, Module> {
  const out = new Map<string, Module>();
  for (const file of sourceFiles(SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    const local: string[] = [];
    const packages: string[] = [];
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      const target = resolveLocal(file, spec);
      if (target) local.push(target);
      else if (!spec.startsWith('.')) packages.push(spec);
    }
    out.set(file, { file, local, packages });
  }
  return out;
}

const rel = (f: string): string => path.relative(SRC, f);
const layerOf = (f: string): string => rel(f).split(path.sep)[0]!.replace(/\.ts$/, '');

function findCircles(modules: Map<string, Module>): string[][] {
  const circles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of modules.get(file)?.local ?? []) {
      if (state.get(next) === 'open') circles.push([...stack.slice(stack.indexOf(next)), next].map(rel));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of modules.keys()) if (!state.has(file)) visit(file);
  return circles;
}

/** layer -> the src/ folders it must not import from */
const FORBIDDEN: Record<string, string[]> = {
  ports: ['amd', 'callback', 'queue', 'flows', 'telephony', 'http', 'store', 'reporting', 'observability', 'config', 'compose', 'app', 'main'],
  store: ['callback', 'queue', 'flows', 'telephony', 'http', 'reporting', 'compose', 'app', 'main'],
  callback: ['telephony', 'http', 'flows', 'compose', 'app', 'main'],
  queue: ['callback', 'telephony', 'http', 'flows', 'store', 'compose', 'app', 'main'],
  amd: ['callback', 'queue', 'telephony', 'http', 'flows', 'store', 'compose', 'app', 'main'],
  flows: ['telephony', 'http', 'store', 'compose', 'app', 'main'],
  supervision: ['callback', 'queue', 'telephony', 'http', 'flows', 'store', 'compose', 'app', 'main'],
};

const SIGNALING = ['drachtio-srf', 'drachtio-fsmrf', 'modesl', 'sip.js'];
const DRIVERS = [...SIGNALING, 'pg', 'better-sqlite3'];

/** every src file `file` imports, directly or through others (itself included) */
function reachable(modules: Map<string, Module>, file: string): Set<string> {
  const seen = new Set<string>([file]);
  const todo = [file];
  while (todo.length) for (const next of modules.get(todo.pop()!)?.local ?? []) if (!seen.has(next)) (seen.add(next), todo.push(next));
  return seen;
}

describe('architecture: imports follow the layers', () => {
  const modules = readModules();

  it('reads every source file and finds their imports', () => {
    assert.ok(modules.size > 50, `only ${modules.size} files under src/`);
    assert.ok([...modules.values()].some((m) => m.local.length > 0));
  });

  it('has no import circles', () => {
    assert.deepEqual(findCircles(modules), []);
  });

  it('finds a circle when there is one (the check itself)', () => {
    const m = (file: string, local: string[]): [string, Module] => [path.join(SRC, file), { file: path.join(SRC, file), local: local.map((l) => path.join(SRC, l)), packages: [] }];
    const circle = new Map([m('a.ts', ['b.ts']), m('b.ts', ['c.ts']), m('c.ts', ['a.ts']), m('d.ts', ['a.ts'])]);
    assert.deepEqual(findCircles(circle), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    assert.deepEqual(findCircles(new Map([m('a.ts', ['b.ts']), m('b.ts', [])])), []);
  });

  it('reads import, export, require and import() specifiers', () => {
    const scheduler = modules.get(path.join(SRC, 'callback', 'scheduler.ts'))!;
    assert.ok(scheduler.local.includes(path.join(SRC, 'callback', 'retry-policy.ts')));
    const sqliteEngine = modules.get(path.join(SRC, 'store', 'sqlite-engine.ts'))!;
    assert.ok(sqliteEngine.packages.includes('better-sqlite3'));
    const postgres = modules.get(path.join(SRC, 'store', 'postgres-store.ts'))!;
    assert.ok(postgres.packages.includes('pg'));
  });

  it('src/callback, src/queue and src/flows reach no drachtio, FreeSWITCH or database driver, directly or through what they import', () => {
    const wrong = [...modules.values()]
      .filter((m) => ['callback', 'queue', 'flows'].includes(layerOf(m.file)))
      .flatMap((m) =>
        [...reachable(modules, m.file)].flatMap((f) => (modules.get(f)?.packages ?? []).filter((p) => DRIVERS.includes(p)).map((p) => `${rel(m.file)} ... ${rel(f)} -> ${p}`)),
      );
    assert.deepEqual(wrong, []);
  });

  for (const [layer, forbidden] of Object.entries(FORBIDDEN)) {
    it(`src/${layer}/ imports nothing from ${forbidden.join(', ')}`, () => {
      const wrong = [...modules.values()]
        .filter((m) => layerOf(m.file) === layer)
        .flatMap((m) => m.local.filter((t) => forbidden.includes(layerOf(t))).map((t) => `${rel(m.file)} -> ${rel(t)}`));
      assert.deepEqual(wrong, []);
    });
  }

  it('the domain core and the flows import neither drachtio nor FreeSWITCH', () => {
    const wrong = [...modules.values()]
      .filter((m) => ['callback', 'queue', 'amd', 'flows', 'ports', 'supervision'].includes(layerOf(m.file)))
      .flatMap((m) => m.packages.filter((p) => SIGNALING.includes(p)).map((p) => `${rel(m.file)} -> ${p}`));
    assert.deepEqual(wrong, []);
  });
});
