import { pino } from 'pino';
import { loadConfig } from '../engine/boot/config.js';
import { startServer } from '../api/server.js';
import { FIXTURE_FORM, FIXTURE_KEY, elapsedMs, fixtureXml, nowNs, percentile, progress, round, tempDir, type BenchModule, type BenchOptions, type BenchResult } from './common.js';

/** Task-completion latency through the HTTP API of a listening server, sequential requests. */

let authorization = '';

async function request(url: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export const httpModule: BenchModule = {
  name: 'http',
  async run({ quick }: BenchOptions): Promise<BenchResult> {
    const counts = quick ? { http_warmup: 80, http_completions: 250 } : { http_warmup: 300, http_completions: 2000 };
    const { dir, cleanup } = tempDir('http');
    const config = loadConfig({ PORT: '0', IMSFLOW_DATA: dir, LOG_LEVEL: 'silent' });
    const server = await startServer(config, { logger: pino({ level: 'silent' }) });
    try {
      await server.imsflow.deploy(fixtureXml(), 'bench', 'benchmark fixture');
      // A user holding the fixture task's role, authenticated with an API token as an integration would be.
      await server.imsflow.saveUser({ id: 'bench', email: 'bench@imsflow.local', name: 'Benchmark', roles: ['qa'] }, 'bench');
      authorization = `Bearer ${(await server.accounts.createApiToken('bench', 'benchmark', 'bench')).token}`;
      const api = `${server.url}/api`;

      /** Starts an instance and finds its task (untimed), then times the completion request alone. */
      const completeOne = async (): Promise<number> => {
        const { id } = await request(`${api}/processes/${FIXTURE_KEY}/instances`, post({ variables: { title: 'benchmark run' } }));
        const { items } = await request(`${api}/tasks?instance=${encodeURIComponent(id)}&status=open`);
        if (items.length !== 1) throw new Error(`instance ${id} has ${items.length} open tasks`);
        const start = nowNs();
        const result = await request(`${api}/tasks/${encodeURIComponent(items[0].id)}/complete`, post({ data: FIXTURE_FORM }));
        const ms = elapsedMs(start);
        if (result.instanceStatus !== 'completed') throw new Error(`instance ${id} is ${result.instanceStatus} after its only task`);
        return ms;
      };

      progress(`http: warm-up (${counts.http_warmup} completions)`);
      for (let i = 0; i < counts.http_warmup; i += 1) await completeOne();
      progress(`http: timing ${counts.http_completions} completions`);
      const samples: number[] = [];
      for (let i = 0; i < counts.http_completions; i += 1) samples.push(await completeOne());

      return {
        complete_p50_ms: round(percentile(samples, 50), 3),
        complete_p99_ms: round(percentile(samples, 99), 3),
        counts: counts,
        notes: {
          http: 'POST /api/tasks/:id/complete timed with fetch on 127.0.0.1 (keep-alive), authenticated with an API token, one request at a time; start and task lookup are done untimed before each',
        },
      };
    } finally {
      await server.close();
      cleanup();
    }
  },
};
