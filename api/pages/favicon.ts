import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import { ASSETS_DIR, projectDir } from './css-inputs.js';

/**
 * The favicon: a small SVG (the header's navy with a white tick), served from this server so the pages'
 * Content Security Policy (img-src 'self') admits it. Pages link it with <link rel="icon">; /favicon.ico,
 * which browsers ask for on their own (for JSON and PDF answers too), redirects to it. The drawing is a file
 * (assets/favicon.svg): page code holds no markup in strings.
 */
let svg: Buffer | undefined;
const faviconSvg = () => (svg ??= readFileSync(join(projectDir(), ASSETS_DIR, 'favicon.svg')));

export const FAVICON_PATH = '/assets/favicon.svg';

export function faviconRoutes(): express.Router {
  const router = express.Router();
  router.get(FAVICON_PATH, (_req, res) => {
    res
      .set({ 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'none'" })
      .type('image/svg+xml')
      .send(faviconSvg());
  });
  router.get('/favicon.ico', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').redirect(301, FAVICON_PATH);
  });
  return router;
}
