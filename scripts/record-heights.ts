/**
 * `npx tsx scripts/record-heights.ts [out-dir]`: seeds the demo into a temporary folder, starts the server,
 * signs in as the demo's administrator and opens every record page of the management review, internal
 * audit and CAPA records in headless Chromium at 1280 px, printing each page's height
 * (document.documentElement.scrollHeight) and how many table cells are narrower than 40 px (text one letter
 * per line). Issue 15 measured the management review at 43,102 px with 26 such cells. With an out-dir it
 * saves a full-page screenshot of each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer } from '../api/server.js';
import { loadConfig } from '../engine/boot/config.js';
import { launchChromium } from '../test/support/browser.js';
import { DEMO_PASSWORD, seedDemo } from './demo.js';

declare const document: { documentElement: { scrollHeight: number }; querySelectorAll(s: string): ArrayLike<{ getBoundingClientRect(): { width: number }; textContent: string | null }> };

const out = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'imsflow-heights-'));
try {
  await seedDemo(dir, { env: { ...process.env, PORT: '0' } });
  const server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { logger: pino({ level: 'silent' }) });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill('grace.obi@example.com');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.getByRole('button', { name: 'Sign in' }).click()]);
    const records = (await server.imsflow.store.listInstances({ limit: 10_000 })).filter((i) => ['management-review', 'internal-audit', 'capa'].includes(i.key));
    for (const record of records) {
      await page.goto(`${server.url}/records/${record.id}`);
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      const narrow = await page.evaluate(
        () => Array.from(document.querySelectorAll('td, dd')).filter((cell) => cell.getBoundingClientRect().width < 40 && (cell.textContent ?? '').trim().length > 3).length,
      );
      console.log(`${record.key.padEnd(18)} ${record.businessKey.padEnd(16)} ${String(height).padStart(7)} px  narrow cells: ${narrow}`);
      if (out) await page.screenshot({ path: join(out, `${record.businessKey}.png`), fullPage: true });
    }
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
