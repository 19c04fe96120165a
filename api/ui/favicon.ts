import express from 'express';

/**
 * The favicon: a small SVG (the header's navy with a white tick), served from this server so the pages'
 * Content Security Policy (img-src 'self') admits it. Pages link it with <link rel="icon">; /favicon.ico,
 * which browsers ask for on their own (for JSON and PDF answers too), redirects to it.
 */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b2e59"/><path d="M8 16.5l5 5 11-11" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export const FAVICON_PATH = '/assets/favicon.svg';

export function faviconRoutes(): express.Router {
  const router = express.Router();
  router.get(FAVICON_PATH, (_req, res) => {
    res
      .set({ 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'none'" })
      .type('image/svg+xml')
      .send(FAVICON_SVG);
  });
  router.get('/favicon.ico', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').redirect(301, FAVICON_PATH);
  });
  return router;
}
