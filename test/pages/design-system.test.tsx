/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { ASSETS_DIR, CSS_FILE, IMAGES_FILE, cssHeader, cssInputsHash, projectDir, referencedImages } from '../../api/pages/css-inputs.js';
import { renderDocument } from '../../api/pages/render.js';
import { Shell } from '../../api/pages/components/Shell.js';
import { loadConfig } from '../../engine/boot/config.js';

/**
 * The design system (issue 15): the committed ims.css is built from the current .scss files and pinned
 * USWDS/Sass versions (no Sass needed to check), holds the classes pages are told to use, and is served with
 * its icons; nothing else under /ui/img is.
 */

const root = projectDir();
const css = readFileSync(join(root, ASSETS_DIR, CSS_FILE), 'utf8');

describe('the design system stylesheet', () => {
  it('is built from the current inputs (else: npm run build:css, and commit ims.css)', () => {
    const [first] = css.split('\n', 1);
    expect(first, `${ASSETS_DIR}/${CSS_FILE} is older than its .scss files or the pinned @uswds/uswds and sass versions: run \`npm run build:css\` and commit the result`).to.equal(cssHeader(cssInputsHash(root)));
    const listed = JSON.parse(readFileSync(join(root, ASSETS_DIR, IMAGES_FILE), 'utf8')) as string[];
    expect(listed, `${IMAGES_FILE} lists the images ims.css references: run \`npm run build:css\``).to.deep.equal(referencedImages(css));
  });

  it('holds the USWDS components and our classes the pages use (api/pages/components/README.md)', () => {
    const classes = [
      'usa-skipnav', 'usa-alert', 'usa-alert--error', 'usa-alert--success', 'usa-alert--warning', 'usa-alert--info', 'usa-alert--slim',
      'usa-button', 'usa-button--outline', 'usa-button--secondary', 'usa-button--unstyled', 'usa-button-group',
      'usa-form', 'usa-form-group', 'usa-form-group--error', 'usa-label', 'usa-label--error', 'usa-hint', 'usa-error-message', 'usa-input', 'usa-input--error',
      'usa-select', 'usa-textarea', 'usa-checkbox', 'usa-radio', 'usa-fieldset', 'usa-legend', 'usa-memorable-date', 'usa-file-input',
      'usa-table', 'usa-table--stacked', 'usa-table--compact', 'usa-table--borderless', 'usa-tag', 'usa-summary-box', 'usa-step-indicator',
      'usa-pagination', 'usa-sidenav', 'usa-card', 'usa-collection', 'usa-accordion', 'usa-list', 'usa-sr-only', 'grid-row', 'grid-col',
      'ims-header', 'ims-filter-bar', 'ims-table-scroll', 'ims-facts', 'ims-tag--overdue', 'ims-tag--due-soon', 'ims-tag--escalated-1', 'ims-tag--escalated-2', 'ims-tag--escalated-3',
    ];
    const missing = classes.filter((name) => !new RegExp(`\\.${name}(?![\\w-])`).test(css));
    expect(missing, 'classes missing from ims.css').to.deep.equal([]);
  });

  it('has no US-government banner or identifier, no web fonts, and references only /ui/img/ images', () => {
    // (USWDS's accordion mentions .usa-banner__button inside :not(); no rule styles a banner)
    expect(css).to.not.match(/(^|[},])\.usa-(banner|identifier)|@font-face/m);
    const urls = [...css.matchAll(/url\(\s*["']?([^"')\s]*)/g)].map((m) => m[1]).filter(Boolean);
    expect(urls.filter((u) => !u.startsWith('/ui/img/') && !u.startsWith('data:'))).to.deep.equal([]);
  });

  it('is what every page links: the Shell, the one layout of the pages', () => {
    expect(renderDocument(<Shell title="A page" />)).to.include('<link rel="stylesheet" href="/ui/ims.css"/>');
  });
});

describe('the design system over HTTP', function () {
  this.timeout(60_000);
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-design-system-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { logger: pino({ level: 'silent' }) });
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A request sent as written: fetch() would resolve `..` before sending, and adds `Cache-Control: no-cache`
   * to a conditional request (the Fetch standard), which makes the server answer in full.
   */
  function rawGet(path: string, headers: Record<string, string> = {}): Promise<number> {
    const { hostname, port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      request({ hostname, port, path, method: 'GET', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
  }

  it('serves /ui/ims.css with an ETag, revalidated every time (304 when unchanged)', async () => {
    const first = await fetch(`${server.url}/ui/ims.css`);
    expect(first.status).to.equal(200);
    expect(first.headers.get('content-type')).to.equal('text/css; charset=utf-8');
    expect(first.headers.get('cache-control')).to.equal('no-cache');
    expect(first.headers.get('x-content-type-options')).to.equal('nosniff');
    const etag = first.headers.get('etag');
    expect(etag).to.match(/^"[\w-]+"$/);
    expect(await first.text()).to.equal(css);
    expect(await rawGet('/ui/ims.css', { 'if-none-match': etag! })).to.equal(304);
    expect(await rawGet('/ui/ims.css', { 'if-none-match': '"another-build"' })).to.equal(200);
    // the old address answers with the same stylesheet while old pages may still link it
    const old = await fetch(`${server.url}/ui/style.css`);
    expect([old.status, old.headers.get('etag')]).to.deep.equal([200, etag]);
  });

  it('serves the icons the CSS references, and nothing else under /ui/img', async () => {
    const icon = await fetch(`${server.url}/ui/img/usa-icons/error.svg`);
    expect(icon.status).to.equal(200);
    expect(icon.headers.get('content-type')).to.equal('image/svg+xml');
    expect(icon.headers.get('etag')).to.match(/^"[\w-]+"$/);
    expect(await icon.text()).to.include('<svg');
    for (const file of JSON.parse(readFileSync(join(root, ASSETS_DIR, IMAGES_FILE), 'utf8')) as string[]) {
      expect((await fetch(`${server.url}/ui/img/${file}`)).status, file).to.equal(200);
    }
    // shipped by USWDS but not referenced by our CSS; unknown; escaping the folder, raw and encoded
    expect((await fetch(`${server.url}/ui/img/us_flag.svg`)).status).to.equal(404);
    expect((await fetch(`${server.url}/ui/img/usa-icons/nope.svg`)).status).to.equal(404);
    expect(await rawGet('/ui/img/../x')).to.equal(404);
    expect(await rawGet('/ui/img/../../package.json')).to.equal(404);
    expect(await rawGet('/ui/img/..%2f..%2fpackage.json')).to.equal(404);
    expect(await rawGet('/ui/img/usa-icons/%2e%2e/%2e%2e/%2e%2e/package.json')).to.equal(404);
  });

  it('keeps /favicon.ico answering', async () => {
    const ico = await fetch(`${server.url}/favicon.ico`);
    expect(ico.status).to.equal(200);
    expect(ico.headers.get('content-type')).to.match(/^image\/svg\+xml/);
  });
});
