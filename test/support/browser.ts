import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/**
 * Real headless Chromium for the tests: Debian's `chromium` package driven by playwright-core (`npx
 * playwright install` cannot download a browser on our machines; .ci/run installs the package).
 *
 * Without the browser, tests that need it are skipped with the reason printed, except in CI (`CI=true`),
 * where a missing browser fails them: a green CI must have run them.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const inCi = () => process.env.CI === 'true';

/** Why the browser tests cannot run here, or undefined when they can. */
export function missingBrowser(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  return `no Chromium at ${CHROMIUM_PATH} (install Debian's chromium package: apt-get install chromium; or set CHROMIUM_PATH)`;
}

/**
 * Launches Chromium. playwright-core gives every launch a fresh temporary profile (--user-data-dir under
 * the system's temp folder) and deletes it on close, so no cookie, cache or setting survives a run.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS, timeout: 30_000 });
}

let screenshotDir: string | undefined;

/** This process's folder for screenshots (one per run, under the temp folder), made on first use. */
export function screenshotsDir(): string {
  screenshotDir ??= mkdtempSync(join(tmpdir(), 'imsflow-screenshots-'));
  return screenshotDir;
}

function fileNameOf(name: string): string {
  return `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'page'}.png`;
}

/** Saves a full-page screenshot under the run's screenshot folder and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(screenshotsDir(), fileNameOf(name));
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What a page said on its console and the errors it threw, for assertions and failure reports. */
export interface PageLog {
  console: string[];
  errors: string[];
  /** Responses with a 4xx or 5xx status, as "404 GET <url>". */
  failed: string[];
  /** What the Content Security Policy refused (securitypolicyviolation events), as "style-src-attr inline at <url>". */
  csp: string[];
}

export interface BrowserFixture {
  /** The running browser (inside tests only). */
  readonly browser: Browser;
  /** A new context (its own cookies) and page; both are closed after the test. */
  newPage(options?: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page; log: PageLog }>;
  /** The console messages and errors of a page opened with newPage. */
  logOf(page: Page): PageLog;
}

/**
 * Registers mocha hooks in the calling `describe`: launches Chromium before its tests (or skips them, or
 * fails them in CI, when there is none), closes what each test opened, and when a test fails saves a
 * screenshot of each of its pages and prints the path, with what the page logged.
 */
export function useBrowser(): BrowserFixture {
  let browser: Browser | undefined;
  let opened: { context: BrowserContext; page: Page; log: PageLog }[] = [];
  const logs = new WeakMap<Page, PageLog>();

  before(async function () {
    this.timeout(60_000);
    const missing = missingBrowser();
    if (missing) {
      if (inCi()) throw new Error(`browser tests cannot run in CI: ${missing}`);
      console.log(`      (skipped: ${missing})`);
      this.skip();
    }
    browser = await launchChromium();
  });

  afterEach(async function () {
    const test = this.currentTest;
    // A page the CSP refused something on fails its test (an inline style or script that would not run, a
    // resource from elsewhere): the pages send a strict policy, and what it blocks is missing for people.
    const refused = opened.flatMap(({ log }) => log.csp);
    if (refused.length && test?.state === 'passed') {
      test.state = 'failed';
      // mocha fails the current test with the error an afterEach hook sets (Runner#hookUp: hook.error())
      (this.test as unknown as { error(err: Error): void }).error(new Error(`the Content Security Policy refused:\n${[...new Set(refused)].join('\n')}`));
    }
    if (test?.state === 'failed') {
      for (const [index, { page, log }] of opened.entries()) {
        if (page.isClosed()) continue;
        try {
          const path = await screenshot(page, `FAILED ${index + 1} ${test.fullTitle()}`);
          console.log(`      screenshot of the failed test (${page.url()}): ${path}`);
        } catch (err) {
          console.log(`      no screenshot of the failed test: ${err instanceof Error ? err.message : String(err)}`);
        }
        for (const line of [...log.errors.map((e) => `page error: ${e}`), ...log.console, ...log.failed.map((f) => `response: ${f}`), ...log.csp.map((c) => `CSP: ${c}`)]) console.log(`      ${line}`);
      }
    }
    await Promise.all(opened.map(({ context }) => context.close().catch(() => undefined)));
    opened = [];
  });

  after(async () => {
    await browser?.close();
    browser = undefined;
    if (screenshotDir) console.log(`      screenshots of this run: ${screenshotDir}`);
  });

  return {
    get browser(): Browser {
      if (!browser) throw new Error('the browser is only there inside the tests of a describe that calls useBrowser()');
      return browser;
    },
    async newPage(options = {}) {
      const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
      context.setDefaultTimeout(15_000);
      const log: PageLog = { console: [], errors: [], failed: [], csp: [] };
      // Every document of the context reports what its CSP refused, before any of its own script runs; a
      // binding (not a window variable) so reports survive the page navigating away.
      await context.exposeBinding('__imsflowCspViolation', (_source, line: string) => void log.csp.push(line));
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => {
          const where = event.sourceFile ? ` (${event.sourceFile}:${event.lineNumber})` : '';
          const report = (window as unknown as { __imsflowCspViolation(line: string): void }).__imsflowCspViolation;
          void report(`${event.effectiveDirective} refused ${event.blockedURI || 'inline'} on ${event.documentURI}${where}${event.sample ? `: ${event.sample}` : ''}`);
        });
      });
      const page = await context.newPage();
      page.on('console', (message) => log.console.push(`console.${message.type()}: ${message.text()}`));
      page.on('response', (response) => {
        if (response.status() >= 400) log.failed.push(`${response.status()} ${response.request().method()} ${response.url()}`);
      });
      page.on('pageerror', (error) => log.errors.push(error.message));
      logs.set(page, log);
      const entry = { context, page, log };
      opened.push(entry);
      return entry;
    },
    logOf(page: Page): PageLog {
      const log = logs.get(page);
      if (!log) throw new Error('not a page opened with newPage()');
      return log;
    },
  };
}
