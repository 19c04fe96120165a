import { durationProblem } from '../engine/durations.js';

/**
 * ISO 8601 durations said in plain language for the side panel ("P14D" → "14 days"), checked with the
 * engine's own parser (engine/durations.ts), so the preview never accepts what deployment refuses.
 */

const UNITS: [RegExp, string][] = [
  [/(?<![\d.,])(\d+(?:[.,]\d+)?)Y/, 'year'],
  [/(?<![\d.,])(\d+(?:[.,]\d+)?)M/, 'month'],
  [/(?<![\d.,])(\d+(?:[.,]\d+)?)W/, 'week'],
  [/(?<![\d.,])(\d+(?:[.,]\d+)?)D/, 'day'],
];
const TIME_UNITS: [RegExp, string][] = [
  [/(?<![\d.,])(\d+(?:[.,]\d+)?)H/, 'hour'],
  [/(?<![\d.,])(\d+(?:[.,]\d+)?)M/, 'minute'],
  [/(?<![\d.,])(\d+(?:[.,]\d+)?)S/, 'second'],
];

export type DurationReading = { ok: true; text: string } | { ok: false; text: string } | { ok: true; text: ''; expression: true };

/** `P1Y2M` → "1 year and 2 months"; a problem (from the engine's parser) when it is not a positive duration. */
export function readDuration(value: string): DurationReading {
  const text = value.trim();
  if (/^\$\{[^}]*\}$/.test(text)) return { ok: true, text: '', expression: true };
  const problem = durationProblem(text);
  if (problem) return { ok: false, text: problem };
  const [datePart, timePart = ''] = text.slice(1).split('T');
  const parts: string[] = [];
  for (const [pattern, unit] of UNITS) push(parts, pattern.exec(datePart!)?.[1], unit);
  for (const [pattern, unit] of TIME_UNITS) push(parts, pattern.exec(timePart)?.[1], unit);
  return { ok: true, text: parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? text) };
}

function push(parts: string[], amount: string | undefined, unit: string): void {
  if (amount === undefined || Number(amount.replace(',', '.')) === 0) return;
  parts.push(`${amount} ${unit}${amount === '1' ? '' : 's'}`);
}
