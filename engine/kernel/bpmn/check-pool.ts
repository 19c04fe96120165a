import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { InvalidDefinitionError, TooCostlyError, TooLargeError } from '../errors.js';
import type { CheckResult, DefinitionChecker } from './lint.js';
import { screenBpmnXml } from './parse.js';
import type { CheckOutcome, CheckTask } from './check-worker.js';

/**
 * Checks untrusted BPMN (uploads, draft imports, autosaves) in a pool of worker threads (piscina), each
 * job with a time and a memory budget. A job over budget has its thread terminated and replaced, and the
 * caller gets a TooCostlyError (413) saying what was too costly; the event loop that serves everyone else
 * never runs the check. Node-only: the modeler calls checkDefinition directly.
 */

export interface CheckPoolOptions {
  /** Longest one check may run (default 1 s), counted from when a thread begins it. */
  timeoutMs?: number;
  /** Heap one check may use (default 256 MB): the worker's maxOldGenerationSizeMb. */
  maxMemoryMb?: number;
  /** Threads at most (default: one, two on machines with four cores or more). */
  maxThreads?: number;
  /** Longest a check may wait for a thread (queue and start-up), default 60 s. */
  queueTimeoutMs?: number;
}

export const CHECK_BUDGET = { timeoutMs: 1000, maxMemoryMb: 256 };

export class CheckPool {
  readonly timeoutMs: number;
  readonly maxMemoryMb: number;
  private readonly queueTimeoutMs: number;
  private readonly maxThreads: number;
  /** Made on the first check: a process that never checks an untrusted file starts no thread. */
  private pool?: Piscina<CheckTask, CheckOutcome>;
  private closed = false;

  constructor(options: CheckPoolOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? CHECK_BUDGET.timeoutMs;
    this.maxMemoryMb = options.maxMemoryMb ?? CHECK_BUDGET.maxMemoryMb;
    this.queueTimeoutMs = options.queueTimeoutMs ?? 60_000;
    this.maxThreads = options.maxThreads ?? (availableParallelism() >= 4 ? 2 : 1);
  }

  private threads(): Piscina<CheckTask, CheckOutcome> {
    // the worker is check-worker.ts under tsx (tests, bench) and check-worker.js once built
    const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    this.pool ??= new Piscina({
      filename: new URL(`./check-worker${extension}`, import.meta.url).href,
      // one thread kept ready: a thread killed over budget is replaced at once, not on the next upload
      minThreads: 1,
      maxThreads: this.maxThreads,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: this.maxMemoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, this.maxMemoryMb / 8)) },
    });
    return this.pool;
  }

  /** A DefinitionChecker for ProcessEngine's `checker` option. */
  readonly check: DefinitionChecker = async (xml, options) => {
    if (this.closed) throw new Error('the BPMN check pool is closed (the server is shutting down)');
    if (typeof xml !== 'string' || !xml.trim()) throw new InvalidDefinitionError([{ element: 'xml', message: 'the BPMN file is empty' }]);
    // size and element counts need no parser and are linear: refused here, without a thread
    screenBpmnXml(xml);
    const { port1, port2 } = new MessageChannel();
    const abort = new AbortController();
    let overBudget = false;
    // Waiting for a thread is bounded too, but generously: a busy pool is not the file's fault.
    let timer = setTimeout(() => abort.abort(), this.queueTimeoutMs);
    port1.once('message', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        overBudget = true;
        abort.abort();
      }, this.timeoutMs);
    });
    try {
      const outcome = await this.threads().run({ xml, services: [...options.services], fieldTypes: options.fieldTypes === 'any' ? 'any' : [...(options.fieldTypes ?? [])], started: port2 }, { transferList: [port2], signal: abort.signal });
      return fromOutcome(outcome);
    } catch (err) {
      if (overBudget) {
        throw new TooCostlyError(`checking this BPMN file took longer than ${seconds(this.timeoutMs)}; it is refused: a process diagram is checked in well under a second, so this file holds something that makes checking it expensive (very long attributes or texts, many unknown elements); nothing was saved`);
      }
      if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new TooCostlyError(`checking this BPMN file needed more than ${this.maxMemoryMb} MB of memory; it is refused; nothing was saved`);
      }
      if ((err as Error).name === 'AbortError') throw new TooCostlyError(`the server is too busy checking other BPMN files: try again in a minute; nothing was saved`);
      throw err;
    } finally {
      clearTimeout(timer);
      port1.close();
    }
  };

  /** Stops the threads (the server's shutdown path): checks still running are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool?.destroy();
  }
}

function fromOutcome(outcome: CheckOutcome): CheckResult {
  if ('invalid' in outcome) throw new InvalidDefinitionError(outcome.invalid);
  if ('tooLarge' in outcome) throw new TooLargeError(outcome.tooLarge);
  return outcome.result;
}

function seconds(ms: number): string {
  return ms >= 1000 && ms % 100 === 0 ? `${ms / 1000} s` : `${ms} ms`; // 1000 → "1 s", 1500 → "1.5 s", 300 → "300 ms"
}
