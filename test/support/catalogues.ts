import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadMessageDir, type MessageSet } from '../../engine/kernel/i18n/index.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Every message folder of the project: a `messages/` folder (pages, emails, features) or a pack's
 * `locales/` folder holding en/, de/ and fr/ — found by walking the source, so a new owner's messages
 * are checked without being listed here.
 */
export function messageFolders(): { name: string; set: MessageSet }[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules' || entry.startsWith('.') || entry === 'dist') continue;
      const path = join(dir, entry);
      if (!statSync(path).isDirectory()) continue;
      if ((entry === 'messages' || entry === 'locales') && existsSync(join(path, 'en'))) found.push(path);
      else walk(path);
    }
  };
  for (const top of ['api', 'engine', 'modeler', 'processes', 'workers']) walk(join(ROOT, top));
  return found.sort().map((dir) => ({ name: relative(ROOT, dir), set: loadMessageDir(dir) }));
}
