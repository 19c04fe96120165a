import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A path inside the project folder (found by walking up to package.json): the same from source (tsx) and
 * from dist/ (`npm start`), since the build compiles TypeScript but does not copy message files.
 */
export function projectPath(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the imsflow project folder');
    dir = parent;
  }
  return join(dir, ...parts);
}
