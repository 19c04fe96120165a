import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { loadConfig } from '../../engine/boot/config.js';
import { expressionBomb, literalCardinality, unknownElementsOnLines, unknownExtensionElements, variableCardinality } from '../fixtures/hostile/generate.js';
import { http, XML_BODY, type Reply } from '../support/http.js';
import { signInOperator } from '../support/operator.js';
import { expectNoStall, sendEncoded, whileServing } from '../support/responsiveness.js';

const baseline = readFileSync(new URL('../fixtures/hostile/baseline.bpmn', import.meta.url), 'utf8');

/**
 * Nothing anyone sends can stall imsflow: each hostile file is refused with a clear 4xx while /healthz on
 * the same server keeps answering and the event loop never stalls (test/support/responsiveness.ts STALL_MS; the
 * speed targets are benchmark figures, bench/hostile.ts).
 * The files are built by test/fixtures/hostile/generate.ts.
 */
describe('Hostile uploads are refused while the server keeps answering', function () {
  // the expression bomb runs until the pool's 1 s budget kills its thread; start-up of a worker under tsx adds some
  this.timeout(60_000);
  let dir: string;
  let server: RunningServer;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-hostile-'));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0' }), { clock: new FakeClock('2026-05-04T07:00:00Z'), logger: pino({ level: 'silent' }) });
    token = await signInOperator(server);
    // warm, as a server that has been up a while: this client's first fetch, the body parsers' first use
    // (modules they load on demand), and a checking thread started
    await http('GET', `${server.url}/healthz`);
    expect((await http('POST', `${server.url}/api/definitions`, 'not xml', XML_BODY)).status).to.equal(422);
    await server.imsflow.checkDefinition(baseline);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => http(method, `${server.url}${path}`, body, headers);
  /** A hostile request, its body encoded before the measurement starts. */
  const hostile = (method: string, path: string, body: string | object) => {
    const encoded = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const type = typeof body === 'string' ? 'application/xml' : 'application/json';
    return () => sendEncoded(method, `${server.url}${path}`, encoded, { 'content-type': type, authorization: `Bearer ${token}` });
  };

  /** The request, refused, with the server answering meanwhile. */
  async function refusedWhileServing(request: () => Promise<Reply>): Promise<Reply> {
    const measured = await whileServing(server.url, request);
    const { result } = measured;
    expect(result.status, result.text.slice(0, 300)).to.be.within(400, 499);
    expect(result.json?.error, 'a refusal says why').to.be.a('string').and.not.equal('');
    expectNoStall(measured, 'while a hostile upload was refused');
    return result;
  }

  const deployedKeys = async () => ((await api('GET', '/api/definitions')).json.items as { key: string }[]).map((d) => d.key);

  it('refuses an upload holding "${" 900,000 times in one attribute, and deploys nothing', async () => {
    const { xml } = expressionBomb(); // built before the measurement: the server's work is measured, not the test's
    const reply = await refusedWhileServing(hostile('POST', '/api/definitions', xml));
    // refused by the pool's time budget, or (with a linear expression scanner) by the rules: either names why
    expect(reply.text).to.match(/took longer than 1 s|expression|\$\{/);
    expect(await deployedKeys()).to.not.include('hostile');
  });

  it('refuses a file too costly to check as a draft import or autosave', async () => {
    const costly = unknownElementsOnLines().xml;
    expect((await refusedWhileServing(hostile('POST', '/api/drafts', { xml: costly }))).status).to.equal(413);
    expect((await api('GET', '/api/drafts?key=hostile')).json.items).to.deep.equal([]);

    const created = await api('POST', '/api/drafts', { xml: baseline });
    expect(created.status, created.text).to.equal(201);
    expect((await refusedWhileServing(hostile('PUT', `/api/drafts/${created.json.id}`, { xml: costly, revision: 0 }))).status).to.equal(413);
    const kept = await api('GET', `/api/drafts/${created.json.id}`);
    expect(kept.json.revision).to.equal(0);
    expect(kept.json.xml).to.equal(baseline);
    await api('POST', `/api/drafts/${created.json.id}/withdraw`, { reason: 'test done' });
  });

  it('keeps the "${" file as a draft to mend, while the server keeps answering', async () => {
    const measured = await whileServing(server.url, hostile('POST', '/api/drafts', { xml: expressionBomb().xml }));
    const { result } = measured;
    expect(result.status, result.text.slice(0, 300)).to.equal(201);
    expectNoStall(measured, 'while the "${" file was kept as a draft');
    const draft = await api('GET', `/api/drafts/${result.json.id}`);
    expect(draft.json.problems.map((p: { element: string }) => p.element)).to.include('review');
    await api('POST', `/api/drafts/${result.json.id}/withdraw`, { reason: 'test done' });
  });

  it('refuses 60,000 unknown extension elements in one task, naming the task and limit', async () => {
    const { xml } = unknownExtensionElements();
    const reply = await refusedWhileServing(hostile('POST', '/api/definitions', xml));
    expect(reply.status).to.equal(422);
    expect(reply.json.problems[0].element).to.equal('review');
    expect(reply.json.problems[0].message).to.include('60,000 extension elements').and.include('at most 1,000');
  });

  it('stops a file too costly to check after 1 s, then checks the next', async () => {
    const { xml } = unknownElementsOnLines();
    const reply = await refusedWhileServing(hostile('POST', '/api/definitions', xml));
    expect(reply.status).to.equal(413);
    expect(reply.json.error).to.include('took longer than 1 s').and.include('nothing was saved');
    // the thread that ran it was replaced: a valid file is checked and deployed
    const next = await api('POST', '/api/definitions', baseline, XML_BODY);
    expect(next.status, next.text).to.equal(201);
  });

  it('refuses a literal multi-instance cardinality of 100,000,000 at deployment, naming the task and the limit', async () => {
    const xml = literalCardinality().xml.replace(/"hostile"/g, '"cardinality"');
    const reply = await refusedWhileServing(hostile('POST', '/api/definitions', xml));
    expect(reply.status).to.equal(422);
    expect(reply.json.problems.map((p: { element: string; message: string }) => `${p.element}: ${p.message}`)).to.include('review: The task “Review” runs 100000000 times, above the limit of 200 at once.');
  });

  it('refuses a start asking for 200,000 iterations, naming the variable; 3 iterations start', async () => {
    const deployed = await api('POST', '/api/definitions', variableCardinality().xml.replace(/"hostile"/g, '"bycount"'), XML_BODY);
    expect(deployed.status, deployed.text).to.equal(201);
    const reply = await refusedWhileServing(hostile('POST', '/api/processes/bycount/instances', { variables: { n: 200_000 } }));
    expect(reply.status).to.equal(400);
    expect(reply.json.fields[0].field).to.equal('variables.n');
    expect(reply.json.fields[0].message).to.include('200000').and.include('limit is 200');
    expect((await api('GET', '/api/instances?process=bycount')).json.items ?? []).to.have.length(0);

    const started = await api('POST', '/api/processes/bycount/instances', { variables: { n: 3 } });
    expect(started.status, started.text).to.equal(201);
    expect((await api('GET', `/api/tasks?instance=${started.json.id}&status=open`)).json.items).to.have.length(3);
  });
});
