import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerMessage, WorkerTask } from './worker.js';

/**
 * Runs a fuzz target in a worker thread and watches it. The worker says which input it is about to run;
 * when one runs longer than `perInputMs` the thread is stopped (Worker.terminate interrupts even a
 * synchronous loop or a backtracking regular expression) and the input is reported as a HANG. A thrown
 * demand is a FAILURE; a worker that dies is a CRASH. Findings are kept in the corpus, so every later
 * run replays them first.
 */

export const CORPUS_DIR = new URL('./corpus/', import.meta.url).pathname;
const WORKER = new URL('./worker.ts', import.meta.url).href;
/** tsx's ESM API as a file URL (import.meta.resolve is missing when mocha's loader compiles this file). */
const TSX_API = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/esm/api')), 'index.mjs')).href;
/** Inputs kept for reaching a new outcome stay small: the corpus is read by people and by git. */
const MAX_KEPT_BYTES = 4096;

export interface RunOptions {
  target: string;
  /** Time for fresh inputs, after the corpus; 0 replays the corpus only. */
  seconds: number;
  seed?: number;
  perInputMs?: number;
  /** Keep findings in the corpus (the CLI does; the test suite reports them instead). */
  keepFindings?: boolean;
  /** Keep inputs that reached an outcome not seen before (at most `growLimit`, small ones only). */
  grow?: boolean;
  growLimit?: number;
  corpusDir?: string;
  /** Go on with the next seed after a finding until this many were found or the time is up (default 1). */
  maxFindings?: number;
  /** Replay the corpus first (default); off when a caller replays it separately. */
  replay?: boolean;
}

export interface Finding {
  kind: 'failure' | 'hang' | 'crash';
  message: string;
  input: unknown;
  /** The corpus file it came from, or the one it was kept in. */
  file?: string;
  /** Found replaying the corpus rather than on a fresh input. */
  replayed?: boolean;
}

export interface TargetReport {
  target: string;
  seed: number;
  /** The seed of each worker run: the first, then one more after each finding. */
  seeds: number[];
  seconds: number;
  runs: number;
  replayed: number;
  outcomes: number;
  kept: string[];
  findings: Finding[];
}

interface CorpusEntry {
  note?: string;
  input: unknown;
}

export function readCorpus(target: string, dir = CORPUS_DIR): { file: string; input: unknown }[] {
  const folder = join(dir, target);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file: join(target, file), input: (JSON.parse(readFileSync(join(folder, file), 'utf8')) as CorpusEntry).input }));
}

/** Writes an input into the corpus under a name derived from its content; returns the relative path. */
export function keepInput(target: string, prefix: string, note: string, input: unknown, dir = CORPUS_DIR): string {
  const json = JSON.stringify(input);
  const name = `${prefix}-${createHash('sha256').update(json).digest('hex').slice(0, 12)}.json`;
  mkdirSync(join(dir, target), { recursive: true });
  writeFileSync(join(dir, target, name), `${JSON.stringify({ note, input }, null, 1)}\n`);
  return join(target, name);
}

/**
 * Replays the corpus, then fuzzes for the time budget. A finding stops the worker: a new one replays the
 * kept inputs not yet replayed, and after a fresh finding (up to `maxFindings`) goes on with the next seed
 * for the fuzzing time that is left.
 */
export async function runTarget(options: RunOptions): Promise<TargetReport> {
  const { target, seconds, corpusDir = CORPUS_DIR } = options;
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const report: TargetReport = { target, seed, seeds: [], seconds, runs: 0, replayed: 0, outcomes: 0, kept: [], findings: [] };
  const outcomes = new Set<string>();
  const clock = { fuzzedMs: 0 };
  let pending = options.replay === false ? [] : readCorpus(target, corpusDir);
  for (let segment = 0; ; segment += 1) {
    const left = Math.max(0, Math.floor(seconds - clock.fuzzedMs / 1000));
    const replayedBefore = report.replayed;
    report.seeds.push(seed + segment);
    const completed = await runWorker(options, { target, seconds: left, seed: seed + segment, perInputMs: options.perInputMs ?? 2000, corpus: pending }, report, outcomes, clock);
    // a kept input stopped the worker: the rest of the corpus is still to be replayed
    pending = pending.slice(report.replayed - replayedBefore);
    if (pending.length) continue;
    // else the budget was spent, or a finding stopped the worker: go on while findings and time allow
    const fresh = report.findings.filter((f) => !f.replayed).length;
    if (completed || fresh >= (options.maxFindings ?? 1) || seconds - clock.fuzzedMs / 1000 < 1 || segment >= 100) break;
  }
  report.outcomes = outcomes.size;
  return report;
}

/** Runs one worker; resolves true when it got through its corpus and its time without a finding. */
function runWorker(options: RunOptions, task: WorkerTask, report: TargetReport, outcomes: Set<string>, clock: { fuzzedMs: number }): Promise<boolean> {
  const { target, corpusDir = CORPUS_DIR } = options;
  const { perInputMs, corpus, seconds } = task;
  // tsx's loader is registered inside the worker before the TypeScript entry is imported; a target that fails
  // to load (a renamed export) is thrown from a fresh turn, so it ends the worker as a crash instead of hanging
  const boot = `import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER)}); }).catch((err) => setImmediate(() => { throw err; }));`;
  const worker = new Worker(boot, { eval: true, workerData: task });
  let current: { input: unknown; file?: string; since: number } | undefined;
  let finished = false;
  let fuzzingSince: number | undefined;
  const findingsBefore = report.findings.length;

  const record = (finding: Finding) => {
    // an input that came with a corpus file was replayed; a fresh one may be kept
    finding.replayed = finding.file !== undefined;
    if (options.keepFindings && !finding.file) {
      finding.file = keepInput(target, 'finding', `${finding.kind.toUpperCase()}: ${finding.message}`.slice(0, 500), finding.input, corpusDir);
    }
    report.findings.push(finding);
  };

  return new Promise((resolve) => {
    const finish = () => {
      if (finished) return;
      finished = true;
      if (fuzzingSince !== undefined) clock.fuzzedMs += Date.now() - fuzzingSince;
      clearInterval(watchdog);
      void worker.terminate().then(() => resolve(report.findings.length === findingsBefore));
    };
    // A last resort when messages stop altogether: the corpus and the budget, with room for a slow machine.
    const deadline = Date.now() + (seconds + 30) * 1000 + corpus.length * perInputMs;
    const watchdog = setInterval(() => {
      const now = Date.now();
      if (current && now - current.since > perInputMs) {
        record({ kind: 'hang', message: `one input ran for more than ${perInputMs} ms (stopped)`, input: current.input, file: current.file });
        finish();
      } else if (now > deadline) {
        record({ kind: 'hang', message: 'the worker stopped answering', input: current?.input ?? null, file: current?.file });
        finish();
      }
    }, Math.max(1, Math.min(50, perInputMs / 4)));
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'begin':
          current = { input: message.input, file: message.file, since: Date.now() };
          if (message.file) report.replayed += 1;
          if (message.fresh) report.runs += 1;
          if (!message.file) fuzzingSince ??= Date.now();
          break;
        case 'end':
          current = undefined;
          break;
        case 'outcome': {
          const isNew = !outcomes.has(message.outcome);
          outcomes.add(message.outcome);
          if (isNew && !message.replayed && options.grow && report.kept.length < (options.growLimit ?? 20) && JSON.stringify(message.input).length <= MAX_KEPT_BYTES) {
            report.kept.push(keepInput(target, 'seed', `reached: ${message.outcome}`, message.input, corpusDir));
          }
          break;
        }
        case 'failure':
          record({ kind: 'failure', message: message.message, input: message.input, file: message.file });
          break;
        case 'done':
          finish();
          break;
      }
    });
    worker.on('error', (err) => {
      record({ kind: 'crash', message: `${err.name}: ${err.message}`, input: current?.input ?? null, file: current?.file });
      finish();
    });
    worker.on('exit', (code) => {
      if (!finished) record({ kind: 'crash', message: `the worker exited with code ${code}`, input: current?.input ?? null, file: current?.file });
      finish();
    });
  });
}

/** One line per target, then one per finding: what the CLI prints and the test suite shows on failure. */
export function describeReport(report: TargetReport): string {
  const lines = [
    `${report.target}: ${report.runs} runs in ${report.seconds} s (seed ${report.seeds.join(', ')}), ${report.replayed} kept inputs replayed, ${report.outcomes} distinct outcomes, ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}`,
  ];
  for (const f of report.findings) {
    const input = JSON.stringify(f.input) ?? 'undefined';
    lines.push(`  ${f.kind.toUpperCase()}${f.file ? ` [${f.file}]` : ''}: ${f.message.split('\n')[0]}`);
    lines.push(`    input: ${input.length > 400 ? `${input.slice(0, 400)}… (${input.length} characters)` : input}`);
  }
  if (report.kept.length) lines.push(`  kept ${report.kept.length} inputs that reached new outcomes`);
  return lines.join('\n');
}
