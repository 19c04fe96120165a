import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import express from 'express';
import type { Logger } from 'pino';

/**
 * The browser bundles of modeler/, built with esbuild in memory when the server starts (once per process,
 * about a second) and served from memory: nothing is written to disk, so there is no build step to forget
 * and no stale output. modeler/dist/ (gitignored) is only ever a scratch folder for `writeTo`.
 */

export interface BuiltFile {
  /** The file name under /assets/, e.g. viewer.js. */
  name: string;
  contents: Uint8Array;
  type: string;
  etag: string;
}

export interface UiBundle {
  files: Map<string, BuiltFile>;
  /** How long the build took, in milliseconds. */
  ms: number;
  metafile: Metafile;
}

/** The project folder, found from this module whether it runs from source or from dist/. */
function projectDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the imsflow project folder');
    dir = parent;
  }
  return dir;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
  '.svg': 'image/svg+xml',
};

/**
 * The entry points, each modeler/<name>.ts: the record page's viewer; the modeler pages (home list, editor,
 * review, process versions); the steering dashboard's charts; and the PDF export, loaded by the versions page only when a PDF is asked for,
 * so jsPDF and svg2pdf.js weigh on no page that does not use them.
 */
export const ENTRY_POINTS = ['viewer', 'modeler', 'review', 'versions', 'home', 'pdf-export', 'dashboard'] as const;

/** The modeler page's size budget: its JavaScript, minified (issue 6). */
export const MODELER_BUDGET_KIB = 800;

/**
 * bpmn-js draws its popup menus with preact 10 (through @bpmn-io/diagram-js-ui, some of it via htm/preact);
 * the server renders its pages with preact 11. Two copies of preact in one bundle break those menus, so
 * every preact import of the browser bundles resolves from diagram-js-ui's folder: the copy it was built for.
 */
function onePreactFor(root: string): Plugin {
  const from = join(root, 'node_modules', '@bpmn-io', 'diagram-js-ui');
  return {
    name: 'one-preact',
    setup(b) {
      b.onResolve({ filter: /^preact(\/|$)/ }, (args) =>
        args.pluginData === 'one-preact' ? undefined : b.resolve(args.path, { resolveDir: from, kind: args.kind, pluginData: 'one-preact' }),
      );
    },
  };
}

/** Builds the bundles (minified, for current browsers). Each entry gives <name>.js and, when it imports CSS, <name>.css. */
export async function buildUi(): Promise<UiBundle> {
  const root = projectDir();
  const outdir = join(root, 'modeler', 'dist');
  const started = performance.now();
  const result = await build({
    absWorkingDir: root,
    plugins: [onePreactFor(root)],
    entryPoints: Object.fromEntries(ENTRY_POINTS.map((name) => [name, join(root, 'modeler', `${name}.ts`)])),
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome109', 'edge109', 'firefox115', 'safari15.6'],
    outdir,
    write: false,
    // bpmn-js's icon font (used by the modeler's palette) and any other asset: a file of its own, by hash.
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
    assetNames: '[name]-[hash]',
    legalComments: 'eof',
    // jsPDF's optional helpers for HTML and bitmap SVG output: the PDF export draws vectors with svg2pdf.js and never calls them.
    external: ['html2canvas', 'dompurify', 'canvg'],
    metafile: true,
    logLevel: 'silent',
  });
  const files = new Map<string, BuiltFile>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(outdir.length + 1);
    const extension = name.slice(name.lastIndexOf('.'));
    files.set(name, {
      name,
      contents: file.contents,
      type: TYPES[extension] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(file.contents).digest('base64url').slice(0, 27)}"`,
    });
  }
  return { files, ms: performance.now() - started, metafile: result.metafile };
}

/** KiB per built file (JavaScript and CSS; fonts are left out), rounded to one decimal, for the log and the benchmark. */
export function bundleSizes(bundle: UiBundle): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const file of [...bundle.files.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (file.name.endsWith('.js') || file.name.endsWith('.css')) sizes[file.name] = Math.round((file.contents.byteLength / 1024) * 10) / 10;
  }
  return sizes;
}

let building: Promise<UiBundle> | undefined;

/** The bundles, built on first call and kept for the life of the process. A failed build is retried on the next call. */
export function uiBundle(): Promise<UiBundle> {
  building ??= buildUi().catch((err: unknown) => {
    building = undefined;
    throw err;
  });
  return building;
}

/**
 * Serves the bundles at `<mount>/<name>` (viewer.js, viewer.css, …). Starts building at once, so the first
 * page does not wait; a request that comes before the build is done waits for it.
 */
export function uiAssets(logger?: Logger): express.Router {
  uiBundle().then(
    (bundle) => {
      const kib = bundleSizes(bundle);
      logger?.info({ ms: Math.round(bundle.ms), kib }, 'built the browser bundles (sizes in KiB, minified)');
      if ((kib['modeler.js'] ?? 0) > MODELER_BUDGET_KIB) logger?.warn({ kib: kib['modeler.js'], budget: MODELER_BUDGET_KIB }, 'the modeler page is over its JavaScript budget');
    },
    (err: unknown) => logger?.error({ err }, 'building the browser bundles failed; retried on the next request'),
  );
  const router = express.Router();
  router.get('/:file', async (req, res, next) => {
    const file = (await uiBundle()).files.get(basename(String(req.params.file)));
    if (!file) return next();
    res.set({
      'content-type': file.type,
      // Same address for every build: the browser revalidates with the ETag (a 304 when unchanged).
      'cache-control': 'no-cache',
      etag: file.etag,
      'x-content-type-options': 'nosniff',
    });
    res.send(Buffer.from(file.contents.buffer, file.contents.byteOffset, file.contents.byteLength));
  });
  return router;
}
