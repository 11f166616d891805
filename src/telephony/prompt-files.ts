import path from 'node:path';
import { playable, resolvePrompts, type PromptSet } from '../flows/prompts';
import type { TelephonyConfig } from './config';

/**
 * Are the prompt files the IVR plays there? The app looks in the prompts directory it shares with FreeSWITCH
 * (the same path; in docker-compose the same `prompts` volume). Pure over `exists`.
 */

/** every file the configured prompts name (defaults and each service's overrides), FreeSWITCH URIs left out */
export function promptFiles(config: Pick<TelephonyConfig, 'prompts' | 'services'>): string[] {
  const files = new Set<string>();
  const sets = [{}, ...Object.values(config.services).map((s) => s.prompts)];
  for (const s of Object.values(config.services)) {
    // the answer check's announcement, for the services that turn it on
    if (s.answerCheck && !/^[a-z_]+:\/\//.test(s.answerCheck.prompt)) files.add(playable(config.prompts.dir, s.answerCheck.prompt));
  }
  for (const overrides of sets) {
    const resolved = resolvePrompts(config.prompts.dir, config.prompts, overrides);
    for (const [name, file] of Object.entries(resolved) as [keyof PromptSet, string][]) {
      if (/^[a-z_]+:\/\//.test(file)) continue;
      // the digits directory: one of its files stands for the set
      files.add(name === 'digitsDir' ? path.join(file, '1.wav') : file);
    }
  }
  return [...files].sort();
}

export interface PromptCheck {
  state: 'up' | 'down';
  detail: string;
}

export function checkPromptFiles(config: Pick<TelephonyConfig, 'prompts' | 'services'>, exists: (file: string) => boolean): PromptCheck {
  const files = promptFiles(config);
  const missing = files.filter((f) => !exists(f));
  if (missing.length === 0) return { state: 'up', detail: `${files.length} prompt files in ${config.prompts.dir}` };
  const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? `, ... (${missing.length} in all)` : '');
  return { state: 'down', detail: `${missing.length} of ${files.length} prompt files missing: ${shown} (install them: scripts/install-prompts.sh ${config.prompts.dir})` };
}
