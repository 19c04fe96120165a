/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Reader } from '../../../engine/kernel/i18n/index.js';

/**
 * A wait in words in the reader's language: "30 seconds", "2 Minuten", "2 minutes"; never a clock time,
 * which would need the reader's zone and goes stale while they read.
 */
export function waitInWords(reader: Pick<Reader, 'number'>, seconds: number): string {
  const [value, unit] = seconds < 120 ? [Math.max(1, Math.ceil(seconds)), 'second'] : [Math.ceil(seconds / 60), 'minute'];
  return reader.number(value, { style: 'unit', unit, unitDisplay: 'long' });
}
