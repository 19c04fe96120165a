import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { screenshot } from './browser.js';

const require = createRequire(import.meta.url);

// Browser globals used inside page.evaluate() (the project's TypeScript library may have no DOM).
declare const document: { documentElement: { scrollWidth: number } };
declare const axe: { run(context?: unknown, options?: unknown): Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[] }> };

/**
 * axe-core run in the page: the violations of impact serious or critical, as "rule: help (targets)".
 * Evaluated through the DevTools protocol rather than added as a <script>: the pages' Content Security
 * Policy refuses inline scripts, and it stays on for the check.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(require.resolve('axe-core'), 'utf8'));
  const { violations } = await page.evaluate(() => axe.run());
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
}

/**
 * Every WCAG 2.1 A and AA violation axe-core finds in the page, whatever its impact (best-practice rules,
 * which are not WCAG, left out): what "WCAG 2.1 AA: 0 violations" is checked by.
 */
export async function wcagViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(require.resolve('axe-core'), 'utf8'));
  const { violations } = await page.evaluate(() => axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
}

/** No serious axe violation at desktop (1280×800) or phone (390×844) width, nothing wider than the phone; a screenshot at each, its path printed. */
export async function expectAccessibleAtBothWidths(page: Page, name: string): Promise<void> {
  expect(await seriousViolations(page), 'axe-core: serious or critical violations').to.deep.equal([]);
  console.log(`      ${name}, desktop: ${await screenshot(page, `${name} desktop`)}`);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'page width on a phone').to.be.at.most(390);
  expect(await seriousViolations(page), 'axe-core at phone width').to.deep.equal([]);
  console.log(`      ${name}, phone: ${await screenshot(page, `${name} phone`)}`);
  await page.setViewportSize({ width: 1280, height: 800 });
}
