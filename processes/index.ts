import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalogue, type Catalogue } from '../engine/catalogue.js';

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

/** The clause catalogue folder: `ims-clauses.v1.json` and the site's `extensions/*.json`. */
export function catalogueDir(): string {
  return join(processesDir(), 'catalogue');
}

let catalogue: Catalogue | undefined;

/** The shipped clause catalogue with this installation's extensions, loaded once and kept. */
export function shippedCatalogue(): Catalogue {
  catalogue ??= loadCatalogue(catalogueDir());
  return catalogue;
}
