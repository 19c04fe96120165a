import type fc from 'fast-check';

/**
 * One fuzz target: a generator of hostile inputs and a check that throws when the code under test
 * misbehaves. Inputs are plain JSON so that every one can be kept in the corpus and replayed; an input
 * of megabytes is kept small as a recipe (see recipe.ts).
 */
export interface FuzzTarget<Input = unknown> {
  name: string;
  /** What the target feeds and what it demands, for the runner's report. */
  about: string;
  arbitrary(): fc.Arbitrary<Input>;
  /**
   * Runs one input. Throws when a demand fails; otherwise returns a short outcome (e.g. the kind of
   * refusal, with ids and numbers blurred) so the runner can keep inputs that reached a new outcome.
   */
  run(input: Input): string | Promise<string>;
}

/** A broken demand, with what was seen: the runner reports its message and keeps the input. */
export class FuzzFinding extends Error {
  override name = 'FuzzFinding';
}

/** Throws a FuzzFinding unless the condition holds. */
export function demand(condition: unknown, message: string): asserts condition {
  if (!condition) throw new FuzzFinding(message);
}

/** An outcome key: quoted names, ids and numbers blurred, so "the same kind of answer" compares equal. */
export function blur(text: string): string {
  return text
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}
