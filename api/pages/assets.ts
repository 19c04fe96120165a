import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import { ASSETS_DIR, CSS_FILE, IMAGES_FILE, projectDir } from './css-inputs.js';

/**
 * The design system's files (issue 15): the committed stylesheet (USWDS subset and ours, built by
 * `npm run build:css`) at /ui/ims.css, and the USWDS icons it references at /ui/img/<path>, served from
 * the installed @uswds/uswds package. Only the images listed at build time (ims-images.json) are served:
 * any other path, `..` included, is a 404, so the folder cannot be read through this route. Same address for
 * every build: the browser revalidates with the ETag (a 304 when unchanged).
 */

export const CSS_PATH = '/ui/ims.css';
/** The old stylesheet's address: answered with the same CSS until the last page linking it is gone. */
export const OLD_CSS_PATH = '/ui/style.css';

interface Asset {
  body: Buffer;
  etag: string;
  type: string;
}

function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

let loaded: { css: Asset; images: Map<string, Asset> } | undefined;

/** Reads the stylesheet and its images once: a few hundred KiB, on the first request. */
function files(): { css: Asset; images: Map<string, Asset> } {
  if (loaded) return loaded;
  const root = projectDir();
  const css = asset(readFileSync(join(root, ASSETS_DIR, CSS_FILE)), 'text/css; charset=utf-8');
  const list = JSON.parse(readFileSync(join(root, ASSETS_DIR, IMAGES_FILE), 'utf8')) as string[];
  const imageDir = join(root, 'node_modules', '@uswds', 'uswds', 'dist', 'img');
  const images = new Map(list.map((file) => [file, asset(readFileSync(join(imageDir, file)), file.endsWith('.svg') ? 'image/svg+xml' : 'application/octet-stream')]));
  loaded = { css, images };
  return loaded;
}

function send(req: express.Request, res: express.Response, file: Asset): void {
  res.set({
    'Content-Type': file.type,
    'Cache-Control': 'no-cache',
    ETag: file.etag,
    'X-Content-Type-Options': 'nosniff',
    // An SVG opened on its own runs no script and loads nothing.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.send(file.body);
}

export function designSystemAssets(): express.Router {
  const router = express.Router();
  router.get([CSS_PATH, OLD_CSS_PATH], (req, res) => send(req, res, files().css));
  router.get('/ui/img/*path', (req, res, next) => {
    const segments = (req.params as { path?: string[] }).path ?? [];
    const image = files().images.get(segments.join('/'));
    if (!image) return next();
    send(req, res, image);
  });
  return router;
}
