import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding the shipped BPMN files, found from this module whether run from source or dist/. */
export function processesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the imsflow project folder');
    dir = parent;
  }
  return join(dir, 'processes');
}

/** Every shipped process, as BPMN XML with its file name. */
export function shippedProcesses(): { file: string; xml: string }[] {
  const dir = processesDir();
  return readdirSync(dir)
    .filter((file) => file.endsWith('.bpmn'))
    .sort()
    .map((file) => ({ file, xml: readFileSync(join(dir, file), 'utf8') }));
}
