/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Response } from 'express';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { pageHeaders } from './basics.js';
import { ReaderProvider, readerOf } from './reader.js';
import { SiteNamesProvider, type SiteNames } from './components/SiteName.js';

/**
 * Pages as components (issue 15): Preact JSX rendered to a string on the server. Text and attribute values
 * are escaped by the renderer, so no page escapes by hand; raw HTML would need `dangerouslySetInnerHTML`,
 * which ESLint refuses in page code (eslint.config.js). This file holds the one raw piece of markup, the
 * doctype, which JSX cannot write; it is left out of that rule.
 *
 * Every .tsx file starts with the two pragmas above: tsx reads tsconfig.json from the current directory,
 * and a server started from elsewhere would compile JSX the classic way ("React is not defined").
 */

const DOCTYPE = '<!doctype html>';

/** A whole HTML document: the doctype, then the page (an <html> element, normally a Shell). */
export function renderDocument(page: VNode): string {
  return DOCTYPE + render(page);
}

/**
 * Sends a page with the pages' security headers (CSP, no framing, no sniffing, no caching), rendered for its
 * reader (readerOf: the signed-in person's language and time zone, else the browser's language).
 * `headers.styleSources`: a page drawing a diagram passes DIAGRAM_STYLE_SOURCES (basics.ts).
 */
export function sendDocument(res: Response, status: number, page: VNode, headers: { styleSources?: string } = {}): void {
  pageHeaders(res, headers);
  const reader = readerOf(res);
  const html = renderDocument(
    <ReaderProvider reader={reader}>
      <SiteNamesProvider names={res.locals.siteNames as SiteNames | undefined}>{page}</SiteNamesProvider>
    </ReaderProvider>,
  );
  res.status(status).type('html').set('Content-Language', reader.language).send(html);
}
