import { durationProblem } from './durations.js';

/**
 * ISO 8601 durations said in plain language for the modeler's side panel and the problems of a definition ("P14D" → "14 days"), checked with the
 * engine's own parser (engine/kernel/durations.ts), so the preview never accepts what deployment refuses.
 */

const DATE_UNITS: [string, string][] = [
  ['Y', 'year'],
  ['M', 'month'],
  ['W', 'week'],
  ['D', 'day'],
];
const TIME_UNITS: [string, string][] = [
  ['H', 'hour'],
  ['M', 'minute'],
  ['S', 'second'],
];

/**
 * The amount written before each unit letter of one part of a checked duration (`1Y2,5M` → Y: 1, M: 2,5),
 * read in one pass. (Patterns per unit rescanned every run of digits from each digit; lookbehind, which
 * would stop that, is missing in the Safari versions the modeler supports.)
 */
function amounts(part: string): Map<string, string> {
  const found = new Map<string, string>();
  let start = 0;
  for (let i = 0; i < part.length; i += 1) {
    const c = part[i]!;
    if (c < 'A' || c > 'Z') continue;
    if (!found.has(c)) found.set(c, part.slice(start, i));
    start = i + 1;
  }
  return found;
}

export type DurationReading = { ok: true; text: string } | { ok: false; text: string } | { ok: true; text: ''; expression: true };

/** `P1Y2M` → "1 year and 2 months"; a problem (from the engine's parser) when it is not a positive duration. */
export function readDuration(value: string): DurationReading {
  const text = value.trim();
  if (/^\$\{[^}]*\}$/.test(text)) return { ok: true, text: '', expression: true };
  const problem = durationProblem(text);
  if (problem) return { ok: false, text: problem };
  const [datePart, timePart = ''] = text.slice(1).split('T');
  const parts: string[] = [];
  const dateAmounts = amounts(datePart!);
  const timeAmounts = amounts(timePart);
  for (const [letter, unit] of DATE_UNITS) push(parts, dateAmounts.get(letter), unit);
  for (const [letter, unit] of TIME_UNITS) push(parts, timeAmounts.get(letter), unit);
  return { ok: true, text: parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? text) };
}

function push(parts: string[], amount: string | undefined, unit: string): void {
  if (amount === undefined || Number(amount.replace(',', '.')) === 0) return;
  parts.push(`${amount} ${unit}${amount === '1' ? '' : 's'}`);
}
