import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Shared helpers for the benchmark modules: options, progress output, fixtures, timing, statistics. */

export interface BenchOptions {
  quick: boolean;
  json: boolean;
}

/** What a measurement module adds to the result object. */
export type BenchResult = Record<string, unknown>;

export interface BenchModule {
  name: string;
  run(options: BenchOptions): Promise<BenchResult>;
}

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const projectDir = dirname(benchDir);

export function parseArgs(argv: string[]): BenchOptions {
  return { quick: argv.includes('--quick'), json: argv.includes('--json') };
}

/** Progress goes to stderr so stdout holds the result object only. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export const FIXTURE_KEY = 'benchLifecycle';
export const FIXTURE_TASK = 'review';
/** Valid data for the fixture's one required form field. */
export const FIXTURE_FORM = { comment: 'looks good' };

export function fixtureXml(): string {
  return readFileSync(join(benchDir, 'fixtures', 'lifecycle.bpmn'), 'utf8');
}

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `imsflow-bench-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function nowNs(): bigint {
  return process.hrtime.bigint();
}

export function elapsedMs(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

/** Nearest-rank percentile of an unsorted sample. */
export function percentile(samples: number[], p: number): number {
  if (!samples.length) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
