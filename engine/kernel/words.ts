/**
 * Counts in words, in one place for the server's pages and the browser bundles: "1 instance", "2 instances",
 * "0 problems". The plural category comes from Intl.PluralRules, so a later message catalogue can swap the
 * English forms for another language's without touching the callers.
 */

const ENGLISH = new Intl.PluralRules('en');

/** "1 task", "3 tasks"; `many` for an irregular plural ("1 match", "2 matches"). */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${n} ${ENGLISH.select(n) === 'one' ? one : many}`;
}
