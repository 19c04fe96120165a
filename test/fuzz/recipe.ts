import fc from 'fast-check';

/**
 * A text built from pieces, some repeated: `["<a>", {"repeat": "${", "times": 900000}, "</a>"]` is a
 * 1.8 MB attribute kept in the corpus as a few bytes. Every target whose input is text uses recipes.
 */
export type Piece = string | { repeat: string; times: number };
export type Recipe = Piece[];

export function expand(recipe: Recipe): string {
  return recipe.map((piece) => (typeof piece === 'string' ? piece : piece.repeat.repeat(piece.times))).join('');
}

/** Characters that trip parsers and people: controls, separators, surrogates, RTL, XML's forbidden ones. */
export const ODD_CHARACTERS = ['\u0000', '\u0001', '\u0008', '\u000b', '\u001f', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\u200b', '\u200e', '\u202e', '\ufeff', '\ufffe', '\uffff', '\ud800', '\udfff', '\ud83d\ude00', 'é', 'ß', 'ﬃ', 'İ', '𝔘', '\u0301'];

/** Short text that mixes ordinary letters with odd characters. */
export const oddText = (maxLength = 12): fc.Arbitrary<string> =>
  fc.array(fc.oneof(fc.constantFrom(...ODD_CHARACTERS), fc.string({ maxLength: 3 }), fc.string({ unit: 'grapheme', maxLength: 2 })), { maxLength }).map((parts) => parts.join(''));

/**
 * How many times to repeat a fragment: mostly small, sometimes the large counts hostile input uses
 * (tens of thousands up to about a million), which fast-check's integers alone would rarely reach.
 */
export const count = (max = 1_000_000): fc.Arbitrary<number> => {
  const top = Math.min(max, COUNT_CAP);
  return fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: Math.min(50, top) }) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: Math.min(5_000, top) }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: top }) });
};

/** `npm run fuzz -- --max-count N` lowers every count, to look past a slow path already found (read at load). */
const COUNT_CAP = Number(process.env.FUZZ_MAX_COUNT) > 0 ? Number(process.env.FUZZ_MAX_COUNT) : Infinity;

/** A piece that is either one fragment or the fragment repeated `count` times. */
export const repeated = (fragment: fc.Arbitrary<string>, max?: number): fc.Arbitrary<Piece> =>
  fc.tuple(fragment, count(max)).map(([repeat, times]) => (times === 1 ? repeat : { repeat, times }));
