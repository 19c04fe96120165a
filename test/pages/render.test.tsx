/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { expect } from 'chai';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { render } from 'preact-render-to-string';
import type { UserRecord } from '../../engine/kernel/model.js';
import { SafeLink, safeHref } from '../../api/pages/components/Link.js';
import { Notice } from '../../api/pages/components/Notice.js';
import { Shell } from '../../api/pages/components/Shell.js';
import { renderDocument } from '../../api/pages/render.js';
import { SignInPage } from '../../api/pages/sign-in.js';

/**
 * Pages built from components (issue 15): whatever a person, a record or a request puts into a page comes
 * out as text, never as markup: no tag, no attribute broken out of its quotes, no `javascript:` link. And
 * every .tsx file carries the pragmas that keep JSX working when the server starts from another folder.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Strings made of the pieces that break HTML, mixed with any other text. */
const hostile = fc
  .array(fc.oneof(fc.constantFrom('<', '>', '"', "'", '&', '/', '=', ' ', '`', '<script>', '</p>', '" onmouseover="x', '&lt;', '<!--', ']]>', 'javascript:'), fc.string({ unit: 'binary' })), { maxLength: 12 })
  .map((pieces) => pieces.join(''));

/** Reads back what the renderer escaped. */
function unescape(html: string): string {
  return html.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
}

const count = (text: string, char: string) => text.split(char).length - 1;

describe('pages from components: escaped by default', () => {
  it('any string in text or in attributes comes out as that text: no tag, no break-out of the quotes', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const html = render(
          <p title={value} data-note={value}>
            {value}
          </p>,
        );
        // an empty attribute is written bare (`title`), which means the same
        const shape = /^<p title(?:="([^"<]*)")? data-note(?:="([^"<]*)")?>([^<]*)<\/p>$/.exec(html);
        expect(shape, html).to.not.equal(null);
        const [, title = '', note = '', text] = shape!;
        expect(unescape(title)).to.equal(value);
        expect(unescape(note)).to.equal(value);
        expect(unescape(text!)).to.equal(value);
      }),
      { numRuns: 500 },
    );
  });

  it('a whole page keeps its markup whatever the person, the request or the message holds', () => {
    const user = (name: string): UserRecord => ({ id: 'u1', email: 'u1@example.com', name, roles: ['quality-manager'], active: true }) as UserRecord;
    const page = (value: string) =>
      renderDocument(
        <Shell title={value} viewer={{ user: user(value), csrf: value }} current="tasks">
          <Notice kind="alert">
            <p>{value}</p>
          </Notice>
        </Shell>,
      ) + renderDocument(<SignInPage token={value} state={{ next: value, email: value, error: { id: 'signIn.wrong' }, info: { id: 'signIn.signedOut' } }} />);
    const plain = page('x');
    fc.assert(
      fc.property(
        hostile.filter((v) => v !== ''),
        (value) => {
          const html = page(value);
          expect(html.startsWith('<!doctype html><html lang="en-GB"><head><meta charset="utf-8"/>'), html.slice(0, 200)).to.equal(true);
          expect(count(html, '<'), 'tags in the page').to.equal(count(plain, '<'));
          expect(count(html, '"'), 'attribute quotes in the page').to.equal(count(plain, '"'));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the sign-in page reads as before: title, fields, the kept address, the problem tied to the fields', () => {
    const html = renderDocument(<SignInPage token="tok" state={{ next: '/tasks?due=overdue', email: 'quinn@example.com', error: { id: 'signIn.wrong' } }} />);
    expect(html).to.match(/^<!doctype html><html lang="en-GB"><head><meta charset="utf-8"\/><meta name="viewport" content="width=device-width, initial-scale=1"\/><title>Sign in · imsflow<\/title><link rel="icon" href="\/assets\/favicon.svg" type="image\/svg\+xml"\/><link rel="stylesheet" href="\/ui\/ims.css"\/><\/head>/);
    expect(html).to.include('<a class="usa-skipnav" href="#main">Skip to content</a><header class="ims-header"><span class="ims-header__brand">imsflow</span></header><main id="main" tabindex="-1"><h1>Sign in</h1>');
    expect(html).to.include('<div class="usa-alert usa-alert--slim usa-alert--error notice bad" role="alert"><div class="usa-alert__body"><p id="login-error">The email or the password is wrong.</p></div></div>');
    expect(html).to.include('<input type="hidden" name="_csrf" value="tok"/><input type="hidden" name="next" value="/tasks?due=overdue"/>');
    expect(html).to.include('value="quinn@example.com" aria-invalid="true" aria-describedby="login-error"/>');
  });
});

describe('links whose address may come from data', () => {
  it('refuses javascript:, data: and vbscript: addresses, however they are written', () => {
    for (const evil of ['javascript:alert(1)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'java\tscript:alert(1)', 'java\nscript:x', '\u0001javascript:x', 'javascript&colon;x', 'data:text/html,<script>x</script>', 'vbscript:x', '//evil.example/x', '/\\evil.example', '\\\\evil.example', 'jav&#x09;ascript:x']) {
      expect(safeHref(evil), JSON.stringify(evil)).to.equal(undefined);
      expect(render(<SafeLink href={evil}>Open</SafeLink>), JSON.stringify(evil)).to.equal('<span>Open</span>');
    }
  });

  it('refuses every address that a browser would read as javascript:', () => {
    const spaces = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u0000', '\u0001', '\u001f', '\u007f') });
    const caseMixed = fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }).map((upper) => [...'javascript'].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
    fc.assert(
      fc.property(spaces, caseMixed, fc.string(), (lead, scheme, rest) => {
        expect(safeHref(`${lead}${scheme}:${rest}`)).to.equal(undefined);
      }),
    );
  });

  it('keeps paths on this server and http(s) and mailto addresses', () => {
    for (const good of ['/tasks', '/records/abc?x=1#history', '#main', '?page=2', 'https://example.com/a?b=c', 'http://intranet.example/x', 'mailto:quinn@example.com']) {
      expect(safeHref(good), good).to.equal(good);
    }
    expect(render(<SafeLink href="/tasks?a=1&b=2">Tasks</SafeLink>)).to.equal('<a href="/tasks?a=1&amp;b=2">Tasks</a>');
  });
});

describe('.tsx files', () => {
  function tsxFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.') ? [] : tsxFiles(path);
      return entry.name.endsWith('.tsx') ? [path] : [];
    });
  }

  it('every .tsx file starts with the JSX pragmas, so it compiles the same from any working folder', () => {
    const files = ['api', 'engine', 'test', 'workers', 'processes', 'scripts'].flatMap((folder) => tsxFiles(join(ROOT, folder)));
    expect(files.length).to.be.greaterThan(4);
    const missing = files.filter((file) => !readFileSync(file, 'utf8').startsWith('/** @jsxRuntime automatic */\n/** @jsxImportSource preact */\n')).map((file) => relative(ROOT, file));
    expect(missing).to.deep.equal([]);
  });

  it('a page renders when the server is started from another folder (no tsconfig.json there)', () => {
    const url = (path: string) => pathToFileURL(join(ROOT, path)).href;
    const probe = [
      `const { renderDocument } = await import(${JSON.stringify(url('api/pages/render.tsx'))});`,
      `const { SignInPage } = await import(${JSON.stringify(url('api/pages/sign-in.tsx'))});`,
      `const { h } = await import(${JSON.stringify(url('node_modules/preact/dist/preact.mjs'))});`,
      "process.stdout.write(renderDocument(h(SignInPage, { token: 't', state: { next: '/tasks' } })));",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', url('node_modules/tsx/dist/loader.mjs'), '--input-type=module', '-e', probe], { cwd: tmpdir(), encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).to.equal('');
    expect(run.stdout).to.match(/^<!doctype html><html lang="en-GB">.*<h1>Sign in<\/h1>/);
  });
});
