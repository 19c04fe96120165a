import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMessageDir, type MessageSet } from '../engine/pack-kit.js';

/**
 * The processes/ folder of the project, found by walking up to package.json: the same from source (tsx)
 * and from dist/ (`npm start`), since the build compiles the TypeScript but does not copy the .bpmn files.
 */
export function processesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the imsflow project folder');
    dir = parent;
  }
  return join(dir, 'processes');
}

/** A pack's BPMN, `processes/<key>/<key>.bpmn`, read when asked for. */
export function packBpmn(key: string): { file: string; path: string; xml(): string } {
  const file = `${key}.bpmn`;
  const path = join(processesDir(), key, file);
  return { file, path, xml: () => readFileSync(path, 'utf8') };
}

/**
 * A pack's words in every language, `processes/<key>/locales/<language>/<key>.json`: the English extracted
 * from its BPMN (scripts/extract-pack-messages.ts), German and French translated from it. Read at start.
 */
export function packMessages(key: string): MessageSet {
  return loadMessageDir(join(processesDir(), key, 'locales'));
}
