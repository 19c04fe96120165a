import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the committed stylesheet (api/pages/assets/ims.css) is built from, and the hash that names it. The
 * CSS is compiled by `npm run build:css` (scripts/build-css.ts), not at start (Sass takes seconds); its first
 * line records this hash, so a test can tell a stale ims.css without Sass: the .scss files here plus the
 * USWDS and Sass versions package.json pins.
 */

/** The project folder, found from this module whether it runs from source or from dist/. */
export function projectDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the imsflow project folder');
    dir = parent;
  }
  return dir;
}

/** The folder of the design system's sources and its compiled output. */
export const ASSETS_DIR = join('api', 'pages', 'assets');
export const CSS_FILE = 'ims.css';
export const IMAGES_FILE = 'ims-images.json';

/** The pinned versions of the two packages the CSS is compiled with. */
export function cssToolVersions(root = projectDir()): { uswds: string; sass: string } {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const all = { ...pkg.dependencies, ...pkg.devDependencies };
  const uswds = all['@uswds/uswds'];
  const sass = all.sass;
  if (!uswds || !sass) throw new Error('package.json must pin @uswds/uswds and sass to build the design system');
  return { uswds, sass };
}

/** sha256 over the .scss files (names and contents, sorted by name) and the pinned versions. */
export function cssInputsHash(root = projectDir()): string {
  const dir = join(root, ASSETS_DIR);
  const hash = createHash('sha256');
  const versions = cssToolVersions(root);
  hash.update(`@uswds/uswds@${versions.uswds}\nsass@${versions.sass}\n`);
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.scss')).sort()) {
    hash.update(`${name}\n`);
    hash.update(readFileSync(join(dir, name)));
    hash.update('\n');
  }
  return hash.digest('hex');
}

/** The first line of ims.css for these inputs. */
export function cssHeader(hash: string): string {
  return `/* inputs sha256:${hash} */`;
}

/** The images a compiled stylesheet references under /ui/img/ (paths below that folder), sorted. */
export function referencedImages(css: string): string[] {
  const found = new Set<string>();
  for (const match of css.matchAll(/url\(\s*["']?\/ui\/img\/([^"')\s]+)["']?\s*\)/g)) found.add(match[1]);
  return [...found].sort();
}
