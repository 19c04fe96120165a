import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sass from 'sass';
import { ASSETS_DIR, CSS_FILE, IMAGES_FILE, cssHeader, cssInputsHash, cssToolVersions, projectDir, referencedImages } from '../api/pages/css-inputs.js';

/**
 * `npm run build:css`: compiles the design system (api/pages/assets/ims.scss: a USWDS subset and our
 * overrides) into the committed api/pages/assets/ims.css, and lists the images it references in
 * ims-images.json (the server's allow-list for /ui/img/). Sass takes seconds, so the server never compiles:
 * it serves the committed file, and test/pages/design-system.test.tsx fails when the file is older than
 * its inputs. Fails when the CSS references an image USWDS does not ship.
 */
const root = projectDir();
const installed = (name: string) => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const pinned = cssToolVersions(root);
if (installed('@uswds/uswds') !== pinned.uswds || installed('sass') !== pinned.sass) {
  console.error(`build:css: installed @uswds/uswds ${installed('@uswds/uswds')} and sass ${installed('sass')}, package.json pins ${pinned.uswds} and ${pinned.sass}: run npm ci first`);
  process.exit(1);
}

const started = performance.now();
const result = sass.compile(join(root, ASSETS_DIR, 'ims.scss'), {
  loadPaths: [join(root, 'node_modules', '@uswds', 'uswds', 'packages')],
  style: 'compressed',
  // USWDS's own Sass trips newer Sass deprecations; ours must not.
  quietDeps: true,
});
// Compressed output starts with a byte-order mark when it holds non-ASCII text; the server sends charset=utf-8.
const css = result.css.replace(/^\uFEFF/, '').replace(/^@charset "UTF-8";/, '');

const images = referencedImages(css);
const missing = images.filter((file) => !existsSync(join(root, 'node_modules', '@uswds', 'uswds', 'dist', 'img', file)));
if (missing.length) {
  console.error(`build:css: the CSS references images USWDS does not ship: ${missing.join(', ')}`);
  process.exit(1);
}
const stray = [...css.matchAll(/url\(\s*["']?([^"')\s]*)/g)].map((m) => m[1]).filter((u) => u && !u.startsWith('/ui/img/') && !u.startsWith('data:'));
if (stray.length) {
  console.error(`build:css: the CSS references files outside /ui/img/: ${[...new Set(stray)].join(', ')}`);
  process.exit(1);
}

writeFileSync(join(root, ASSETS_DIR, CSS_FILE), `${cssHeader(cssInputsHash(root))}\n${css}\n`);
writeFileSync(join(root, ASSETS_DIR, IMAGES_FILE), `${JSON.stringify(images, null, 2)}\n`);
console.log(`build:css: ${ASSETS_DIR}/${CSS_FILE} (${Math.round(css.length / 1024)} KiB, ${images.length} images) in ${Math.round(performance.now() - started)} ms`);
