import { join } from 'node:path';
import Database from 'better-sqlite3';
import { computeDashboard, resolveContext } from '../engine/features/dashboard/index.js';
import { SqliteStore } from '../engine/adapters/sqlite/index.js';
import { elapsedMs, nowNs, percentile, progress, round, tempDir, type BenchModule, type BenchOptions, type BenchResult } from './common.js';

/**
 * The steering dashboard's query time on the SQLite store over 100,000 open and 1,000,000 completed tasks
 * (plus CAPA, audit and gap-analysis records), whole dashboard per sample, for an admin (every site) and
 * for a steering-committee member of two sites. Then the query plan of every statement the dashboard ran
 * (EXPLAIN QUERY PLAN): each must reach tasks and instances through an index, never a full table scan.
 * The data set is written with direct SQL inserts in one transaction into a temp file, after the store's
 * migrations created the schema.
 */

const OPEN = 100_000;
const COMPLETED = 1_000_000;
const CAPAS = 5_000;
const AUDITS = 400;
const GAPS = 12;
const PROCESSES = ['capa', 'nonconformity', 'change-control', 'deviation', 'complaint', 'training', 'calibration', 'supplier-review'];
const SITES = ['site-1', 'site-2', 'site-3', 'site-4', 'site-5', 'site-6'];
const ROLES = ['quality-manager', 'process-owner', 'staff', 'auditor', 'maintenance', 'ehs'];
const USERS = 500;
const DAY = 86_400_000;
const NOW = Date.parse('2026-11-25T12:00:00.000Z');

/** A small deterministic generator, so every run measures the same data. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Writes the data set into a store file whose schema the migrations made. The task indexes are dropped
 * for the bulk insert and made again from their own SQL afterwards (a sort instead of a million random
 * B-tree inserts): the same schema, built faster.
 */
export function seed(file: string, sizes = { open: OPEN, completed: COMPLETED }): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL`).all() as { name: string; sql: string }[];
  for (const index of indexes) db.exec(`DROP INDEX ${index.name}`);
  const rnd = random(7);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
  const iso = (ms: number) => new Date(ms).toISOString();
  const insertTask = db.prepare(
    `INSERT INTO tasks (id, instance_id, status, assignee, candidate_role, due_at, created_at, revision, site, definition_key, escalation_level, completed_at, closed_at, late_closed_at, doc)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertInstance = db.prepare('INSERT INTO instances (id, key, business_key, status, revision, started_at, site, ended_at, doc) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)');
  const task = (n: number, open: boolean) => {
    const key = pick(PROCESSES);
    const site = rnd() < 0.05 ? null : pick(SITES);
    const assignee = rnd() < 0.3 ? null : `u${1 + Math.floor(rnd() * USERS)}`;
    const role = pick(ROLES);
    // open tasks were created over the last 120 days; completed ones over four years
    const created = open ? NOW - rnd() * 120 * DAY : NOW - rnd() * 4 * 365 * DAY;
    const due = created + (5 + rnd() * 55) * DAY;
    const completed = open ? null : Math.min(NOW - 1000, created + (1 + rnd() * 45) * DAY);
    const overdueDays = open ? (NOW - due) / DAY : 0;
    const level = overdueDays > 10 ? 2 : overdueDays > 3 ? 1 : 0;
    const id = `t${n}`;
    const instanceId = `i${Math.floor(n / 3)}`;
    const record = {
      id,
      instanceId,
      definitionKey: key,
      businessKey: `${key.toUpperCase()}-${instanceId}`,
      ...(site && { site }),
      elementId: 'work',
      executionId: `work_${id}`,
      name: 'Do the work',
      ...(assignee && { assignee }),
      candidateRole: role,
      status: open ? 'open' : 'completed',
      createdAt: iso(created),
      dueAt: iso(due),
      ...(completed !== null && { completedAt: iso(completed), completedBy: assignee ?? 'u1' }),
      ...(level && { escalationLevel: level }),
      form: [],
      revision: 1,
    };
    const completedAt = completed === null ? null : iso(completed);
    insertTask.run(id, instanceId, record.status, assignee, role, iso(due), iso(created), site, key, level, completedAt, completedAt, completed !== null && completed > due ? completedAt : null, JSON.stringify(record));
  };
  const fill = db.transaction(() => {
    for (let n = 0; n < sizes.open; n += 1) task(n, true);
    for (let n = sizes.open; n < sizes.open + sizes.completed; n += 1) task(n, false);
    for (let n = 0; n < CAPAS; n += 1) {
      const started = NOW - rnd() * 3 * 365 * DAY;
      const ended = Math.min(NOW - 1000, started + (10 + rnd() * 120) * DAY);
      const site = pick(SITES);
      const record = { id: `capa${n}`, key: 'capa', version: 1, businessKey: `CAPA-${n}`, site, status: 'completed', variables: {}, output: {}, engineState: null, revision: 1, startedAt: iso(started), startedBy: 'u1', endedAt: iso(ended) };
      insertInstance.run(record.id, 'capa', record.businessKey, 'completed', record.startedAt, site, record.endedAt, JSON.stringify(record));
    }
    for (let n = 0; n < AUDITS; n += 1) {
      const started = NOW - rnd() * 2 * 365 * DAY;
      const site = pick(SITES);
      const findings = Array.from({ length: 5 }, (_v, i) => ({ n: i + 1, clause: `${4 + Math.floor(rnd() * 7)}.${1 + Math.floor(rnd() * 5)}`, number: '', title: 'clause', grade: pick(['major', 'minor', 'observation', 'ofi']), statement: 'finding', auditor: 'u2' }));
      const record = { id: `aud${n}`, key: 'internal-audit', version: 1, businessKey: `AUD-${n}`, site, status: 'completed', variables: {}, output: { findings: { findings } }, engineState: null, revision: 1, startedAt: iso(started), startedBy: 'u1', endedAt: iso(started + 20 * DAY) };
      insertInstance.run(record.id, record.key, record.businessKey, 'completed', record.startedAt, site, record.endedAt, JSON.stringify(record));
    }
    for (let n = 0; n < GAPS; n += 1) {
      const started = NOW - rnd() * 2 * 365 * DAY;
      const site = SITES[n % SITES.length];
      const coverage = ['9001', '14001', '45001'].map((standard) => ({ standard, applicable: 40, assessed: 38, conforms: 30, partial: 4, gap: 2, na: 2 }));
      const record = { id: `gap${n}`, key: 'gap-analysis', version: 1, businessKey: `GAP-${n}`, site, status: 'completed', variables: {}, output: { gapReport: { coverage }, signOff: {} }, engineState: null, revision: 1, startedAt: iso(started), startedBy: 'u1', endedAt: iso(started + 30 * DAY) };
      insertInstance.run(record.id, record.key, record.businessKey, 'completed', record.startedAt, site, record.endedAt, JSON.stringify(record));
    }
  });
  fill();
  for (const index of indexes) db.exec(index.sql);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

export const dashboardModule: BenchModule = {
  name: 'dashboard',
  async run({ quick }: BenchOptions): Promise<BenchResult> {
    const samples = quick ? 10 : 40;
    const { dir, cleanup } = tempDir('dashboard');
    try {
      const file = join(dir, 'dashboard.db');
      const schema = new SqliteStore(file);
      await schema.init();
      await schema.close();
      const t0 = nowNs();
      seed(file);
      progress(`dashboard: ${OPEN} open and ${COMPLETED} completed tasks written in ${(elapsedMs(t0) / 1000).toFixed(1)} s`);
      const store = new SqliteStore(file);
      await store.init();
      const now = new Date(NOW);
      const admin = resolveContext({ id: 'bench-admin', roles: ['admin'] }, {}, now);
      const member = resolveContext({ id: 'bench-steering', roles: ['steering-committee'], sites: ['site-1', 'site-2'] }, {}, now);
      const time = async (context: typeof admin, n: number) => {
        const ms: number[] = [];
        for (let i = 0; i < n; i += 1) {
          const start = nowNs();
          await computeDashboard(store, context);
          ms.push(elapsedMs(start));
        }
        return ms;
      };
      await time(admin, 2); // warm the page cache and the prepared statements
      const all = await time(admin, samples);
      await time(member, 2);
      const sites = await time(member, samples);
      const totals = (await computeDashboard(store, admin)).totals;

      // every statement the dashboard prepared, with its plan
      const plans = store
        .preparedSql()
        .filter((sql) => /\b(tasks|instances)\b/.test(sql))
        .map((sql) => ({ sql: sql.replace(/\s+/g, ' ').slice(0, 120), plan: store.explain(sql, ...new Array((sql.match(/\?/g) ?? []).length).fill('["x"]')) }));
      const fullScans = plans.filter((p) => p.plan.some((line) => /^SCAN (tasks|instances|i|t)\b/.test(line) && !/USING (COVERING )?INDEX/.test(line)));
      await store.close();
      return {
        dashboard_p50_ms: round(percentile(all, 50)),
        dashboard_p99_ms: round(percentile(all, 99)),
        dashboard_sites_p50_ms: round(percentile(sites, 50)),
        dashboard_sites_p99_ms: round(percentile(sites, 99)),
        dashboard_queries: plans.length,
        dashboard_full_scans: fullScans.length,
        dashboard_query_plans: plans.map((p) => `${p.sql} => ${p.plan.join('; ')}`),
        counts: { dashboard_open_tasks: OPEN, dashboard_completed_tasks: COMPLETED, dashboard_samples: samples, dashboard_overdue_now: totals.overdue },
        notes: {
          dashboard:
            'whole dashboard (open-task groups, aging, escalations, 53 ISO weeks of trends, CAPA, findings, gap coverage) on SQLite over 100k open + 1M completed tasks; target p99 < 200 ms; dashboard_full_scans counts statements whose plan scans tasks or instances without an index (must be 0)',
        },
      };
    } finally {
      cleanup();
    }
  },
};
