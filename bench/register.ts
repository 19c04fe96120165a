import { join } from 'node:path';
import { SqliteStore } from '../engine/adapters/sqlite/index.js';
import { RecordRegister, type RegisterFilters } from '../engine/features/register/index.js';
import { FakeClock } from '../engine/kernel/clock.js';
import type { TaskRecord } from '../engine/kernel/model.js';
import type { RegisterEntry } from '../engine/ports/register-store.js';
import { elapsedMs, nowNs, percentile, progress, round, tempDir, type BenchModule, type BenchOptions, type BenchResult } from './common.js';

/**
 * The records register's query time on the SQLite store: a search for a word plus two filters (process
 * and status) over 100,000 records, with one open task per running record, as a quality manager of two
 * of six sites sees it (the register feature's search: the store query, its count, and the page's open
 * tasks). Baselines in the same run: the same query over 1,000 records, and the unfiltered first page
 * over the 100,000. Entries are written through the port's rebuild (FTS5 words included), tasks through
 * commits.
 */

const RECORDS = 100_000;
const SMALL = 1_000;
const PROCESSES = ['capa', 'nonconformity', 'change-control', 'deviation', 'complaint', 'training', 'calibration', 'supplier-review'];
const SITES = ['site-1', 'site-2', 'site-3', 'site-4', 'site-5', 'site-6'];
const STATUSES = ['running', 'running', 'completed', 'completed', 'completed', 'cancelled', 'incident'] as const;
const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const DAY = 86_400_000;

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A vocabulary of made-up words; "hydraulic" is put into about one description in a hundred. */
const VOCABULARY = Array.from({ length: 3000 }, (_v, i) => `w${(i * 7919).toString(36)}`);

export async function seed(store: SqliteStore, count: number): Promise<void> {
  const rnd = random(11);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const iso = (ms: number) => new Date(ms).toISOString();
  for (let from = 0; from < count; from += 5000) {
    const entries: RegisterEntry[] = [];
    const tasks: TaskRecord[] = [];
    for (let n = from; n < Math.min(count, from + 5000); n += 1) {
      const process = pick(PROCESSES);
      const status = pick(STATUSES);
      const started = NOW - rnd() * 3 * 365 * DAY;
      const words = Array.from({ length: 14 }, () => pick(VOCABULARY));
      if (rnd() < 0.01) words.splice(5, 0, 'hydraulic');
      const id = `r${n}`;
      const businessKey = `${process.slice(0, 3).toUpperCase()}-2026-${String(n).padStart(6, '0')}`;
      entries.push({ instanceId: id, process, businessKey, title: `${pick(VOCABULARY)} ${pick(VOCABULARY)}`, site: pick(SITES), status, startedAt: iso(started), startedBy: `u${Math.floor(rnd() * 500)}`, endedAt: status === 'running' || status === 'incident' ? null : iso(started + 20 * DAY), text: words.join(' '), links: [] });
      if (status === 'running') {
        tasks.push({ id: `t${n}`, instanceId: id, definitionKey: process, businessKey, elementId: 'step', executionId: `step_${n}`, name: 'Investigate', assignee: `u${Math.floor(rnd() * 500)}`, status: 'open', createdAt: iso(started), dueAt: iso(started + 30 * DAY), form: [], revision: 1, site: entries[entries.length - 1]!.site ?? undefined });
      }
    }
    await store.rebuildRegister(entries);
    await store.commit({ tasks: tasks.map((record) => ({ record, expectedRevision: null })), audit: [] });
    if ((from / 5000) % 5 === 4) progress(`register: ${from + 5000} of ${count} records written`);
  }
  await store.rebuildRegister([], { version: 'bench' });
}

async function measure(store: SqliteStore, filters: RegisterFilters, samples: number): Promise<{ ms: number[]; total: number }> {
  const register = new RecordRegister(store, new FakeClock(new Date(NOW).toISOString()));
  const viewer = { id: 'bench-qm', roles: ['quality-manager'], sites: ['site-1', 'site-2'] };
  let total = 0;
  for (let i = 0; i < 3; i += 1) total = (await register.search(viewer, filters, true)).total; // warm the cache and statements
  const ms: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const start = nowNs();
    await register.search(viewer, filters, true);
    ms.push(elapsedMs(start));
  }
  return { ms, total };
}

export const registerModule: BenchModule = {
  name: 'register',
  async run({ quick }: BenchOptions): Promise<BenchResult> {
    const records = quick ? 20_000 : RECORDS;
    const samples = quick ? 30 : 200;
    const { dir, cleanup } = tempDir('register');
    const searched: RegisterFilters = { search: 'hydraulic', processes: ['nonconformity'], statuses: ['running'], sort: 'opened', pageSize: 25 };
    try {
      const big = new SqliteStore(join(dir, 'register.db'));
      await big.init();
      const t0 = nowNs();
      await seed(big, records);
      progress(`register: ${records} records written in ${(elapsedMs(t0) / 1000).toFixed(1)} s`);
      const full = await measure(big, searched, samples);
      progress(`register: searched ${samples} times`);
      const unfiltered = await measure(big, { pageSize: 25 }, samples);
      progress(`register: listed ${samples} times`);
      await big.close();
      const small = new SqliteStore(join(dir, 'register-small.db'));
      await small.init();
      await seed(small, SMALL);
      const baseline = await measure(small, searched, samples);
      await small.close();
      return {
        register_p50_ms: round(percentile(full.ms, 50)),
        register_p99_ms: round(percentile(full.ms, 99)),
        register_baseline_1k_p99_ms: round(percentile(baseline.ms, 99)),
        register_unfiltered_p99_ms: round(percentile(unfiltered.ms, 99)),
        counts: { register_records: records, register_matches: full.total, register_samples: samples },
        notes: {
          register: `records register on SQLite: search "hydraulic" (FTS5) + process + status filters, as a quality manager of 2 of 6 sites, page of 25 with the count and the page's open tasks, over ${records} records; baselines: the same over ${SMALL} records, and the unfiltered first page over all; target p99 < 100 ms`,
        },
      };
    } finally {
      cleanup();
    }
  },
};
