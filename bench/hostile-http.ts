import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer } from '../api/server.js';
import { loadConfig } from '../engine/boot/config.js';
import { hostileCorpus } from '../test/fixtures/hostile/generate.js';
import { sendEncoded, whileServing } from '../test/support/responsiveness.js';
import { progress, round, type BenchModule } from './common.js';

const baselineXml = readFileSync(new URL('../test/fixtures/hostile/baseline.bpmn', import.meta.url), 'utf8');

/**
 * The hostile definitions uploaded to a running server over HTTP (POST /api/definitions), each refused while
 * /healthz is asked every 20 ms: `http_event_loop_delay_p99_ms_during_hostile` (target < 100) and
 * `http_healthz_max_ms_during_hostile` (target < 200), against the same figures while the valid baseline file is
 * checked and deployed the same number of times. The tests only fail on a stall (test/support/responsiveness.ts).
 */
export const hostileHttpModule: BenchModule = {
  name: 'hostile-http',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'imsflow-bench-hostile-'));
    const server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { logger: pino({ level: 'silent' }) });
    try {
      await server.imsflow.saveUser({ id: 'bench-admin', email: 'bench-admin@imsflow.test', name: 'Bench Admin', roles: ['admin'] }, 'bench');
      const { token } = await server.accounts.createApiToken('bench-admin', 'bench', 'bench');
      const upload = (xml: string) => () => sendEncoded('POST', `${server.url}/api/definitions`, Buffer.from(xml), { 'content-type': 'application/xml', authorization: `Bearer ${token}` });
      await upload(baselineXml)(); // warm: the route's modules loaded, a checking thread started

      const corpus = hostileCorpus();
      const baseline = await whileServing(server.url, async () => {
        for (let i = 0; i < corpus.length; i += 1) await upload(baselineXml)();
      });
      progress(`hostile-http: baseline p99 ${round(baseline.eventLoopDelayP99Ms)} ms, slowest /healthz ${round(Math.max(...baseline.healthz))} ms`);
      const statuses: Record<string, number> = {};
      const hostile = await whileServing(server.url, async () => {
        for (const { name, xml } of corpus) statuses[name] = (await upload(xml)()).status;
      });
      progress(`hostile-http: hostile p99 ${round(hostile.eventLoopDelayP99Ms)} ms, slowest /healthz ${round(Math.max(...hostile.healthz))} ms`);
      return {
        http_event_loop_delay_p99_ms_during_hostile: round(hostile.eventLoopDelayP99Ms),
        http_healthz_max_ms_during_hostile: round(Math.max(...hostile.healthz)),
        http_event_loop_delay_p99_ms_baseline: round(baseline.eventLoopDelayP99Ms),
        http_healthz_max_ms_baseline: round(Math.max(...baseline.healthz)),
        http_hostile_statuses: statuses,
        notes: { 'hostile-http': 'each definition of test/fixtures/hostile/generate.ts POSTed to /api/definitions of a running server (embedded default) while /healthz is asked every 20 ms; baseline: the valid baseline.bpmn deployed as many times. Targets: p99 < 100 ms, slowest /healthz < 200 ms' },
      };
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
