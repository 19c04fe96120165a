import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../api/server.js';
import { SESSION_COOKIE } from '../../api/auth.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { onMessageProblem, type MessageProblem } from '../../engine/kernel/i18n/index.js';
import type { PendingJob } from '../../engine/process-engine.js';
import { http } from '../support/http.js';
import { signInOperator } from '../support/operator.js';

/**
 * What a record waits on (issue 16): GET /api/instances/:id lists its pending timers and task reminders
 * with their due times, not the jobs already run or cancelled; the record page says them as sentences in
 * the reader's language, on the reader's clock.
 */

const PASSWORD = 'a long enough passphrase for tests';
const ISO = /\d{4}-\d\d-\d\dT\d\d:/;
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, ' ');
/** What a person sees of a page: the text of its body, without scripts, tags or attribute values (they hold ISO times). */
const textOf = (html: string) =>
  plain(
    html
      .replace(/<head>[\s\S]*?<\/head>/, ' ')
      .replace(/<script[\s\S]*?<\/script>/g, ' ')
      .replace(/="[^"]*"/g, '')
      .replace(/<[^<>]*>/g, ' ')
      .replace(/&quot;/g, '"')
      .replace(/&#x27;|&#39;/g, "'")
      .replace(/&amp;/g, '&'),
  );

const BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:ims="http://imsflow.org/schema/bpmn/ims/1.0" id="defs-waits" targetNamespace="http://imsflow.org/test">
  <process id="waits" name="Waiting record" isExecutable="true" ims:ownerRole="quality-manager">
    <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="contain" />
    <userTask id="contain" name="Contain" ims:assignee="\${variables.owner}" ims:due="P2D" ims:remindBefore="P1D" />
    <sequenceFlow id="f2" sourceRef="contain" targetRef="assess" />
    <userTask id="assess" name="Assess and contain" ims:assignee="\${variables.owner}" ims:due="P5D" ims:remindBefore="P1D" />
    <boundaryEvent id="programmeDue" name="Programme due" attachedToRef="assess" cancelActivity="false">
      <timerEventDefinition><timeDuration>P3D</timeDuration></timerEventDefinition>
    </boundaryEvent>
    <sequenceFlow id="f3" sourceRef="programmeDue" targetRef="chase" /><endEvent id="chase" />
    <sequenceFlow id="f4" sourceRef="assess" targetRef="e" /><endEvent id="e" />
  </process>
</definitions>`;

describe('a record shows what it waits on', function () {
  this.timeout(60_000);
  let dir: string;
  let server: RunningServer;
  let instanceId: string;
  let containId: string;
  const problems: MessageProblem[] = [];
  let stopListening: (() => void) | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-waits-'));
    const clock = new FakeClock('2026-12-04T15:30:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_DIGEST: 'off' }), { clock, logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    await server.imsflow.saveUser({ id: 'aoife', email: 'aoife@example.com', name: 'Aoife Brennan', roles: ['quality-manager'], locale: 'en-IE', timeZone: 'Europe/Dublin' }, 'test-setup');
    await server.imsflow.saveUser({ id: 'henrik', email: 'henrik@example.com', name: 'Henrik Larsen', roles: ['quality-manager'], locale: 'de-CH', timeZone: 'Europe/Zurich' }, 'test-setup');
    for (const id of ['aoife', 'henrik']) await server.accounts.setPassword(id, PASSWORD, 'test-setup', 'waiting-on tests');
    await server.imsflow.deploy(BPMN, 'test-setup');
    instanceId = (await server.imsflow.start('waits', { variables: { owner: 'aoife' } }, 'aoife')).id;
    // the first step's assignment notice runs (done); completing the step cancels its reminder
    await server.scheduler.runDue();
    const [contain] = await server.imsflow.listTasks({ instanceId, status: 'open', limit: 5 });
    containId = contain!.id;
    await server.imsflow.completeTask(containId, {}, 'aoife');
    await server.scheduler.runDue();
    stopListening = onMessageProblem((p) => problems.push(p));
  });
  after(async () => {
    stopListening?.();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const signedIn = async (email: string) => ({ cookie: `${SESSION_COOKIE}=${(await server.accounts.login(email, PASSWORD, 'test')).token}` });

  it('lists the pending timer and reminders with their due times, not the jobs run or cancelled', async () => {
    const all = await server.imsflow.store.listJobs({ instanceId });
    expect(all.map((j) => j.status)).to.include('done').and.include('cancelled').and.include('scheduled');
    const res = await http('GET', `${server.url}/api/instances/${instanceId}`);
    expect(res.status).to.equal(200);
    const waiting = (res.json as { waitingOn: PendingJob[] }).waitingOn;
    const timer = waiting.find((w) => w.kind === 'timer');
    expect(timer).to.deep.equal({ kind: 'timer', dueAt: '2026-12-07T15:30:00.000Z', elementId: 'programmeDue' });
    const reminder = waiting.find((w) => w.kind === 'reminder');
    expect(reminder).to.include({ taskName: 'Assess and contain', elementId: 'assess', assignee: 'aoife', dueAt: '2026-12-08T15:30:00.000Z' });
    // the first step's reminder was cancelled and its assignment notice has run: neither is waited on
    expect(waiting.filter((w) => w.taskId === containId)).to.deep.equal([]);
    expect(waiting.map((w) => w.kind)).to.not.include('notice');
    expect(waiting.map((w) => w.dueAt)).to.deep.equal([...waiting.map((w) => w.dueAt)].sort());
    expect(JSON.stringify(waiting)).to.not.include('payload').and.not.include('executionId');
  });

  it('says them on the record page in English, on the reader’s clock', async () => {
    const page = await http('GET', `${server.url}/records/${instanceId}`, undefined, await signedIn('aoife@example.com'));
    expect(page.status).to.equal(200);
    const text = textOf(page.text).replace(/\s+/g, ' ');
    expect(text).to.include('Waiting for');
    // Dublin is on UTC in December: 15:30 UTC reads 15:30
    expect(text).to.match(/Reminder to Aoife Brennan about “Assess and contain”, 8 Dec 2026, 15:30/);
    expect(text).to.match(/Timer “Programme due”, 7 Dec 2026, 15:30/);
    expect(text).to.not.match(ISO);
    expect(problems).to.deep.equal([]);
  });

  it('says them in German on Zurich’s clock', async () => {
    const page = await http('GET', `${server.url}/records/${instanceId}`, undefined, await signedIn('henrik@example.com'));
    expect(page.status).to.equal(200);
    const text = textOf(page.text).replace(/\s+/g, ' ');
    expect(text).to.include('Wartet auf');
    expect(text).to.match(/Erinnerung an Aoife Brennan zu „Assess and contain“, 08\.12\.2026, 16:30/);
    expect(text).to.match(/Zeitgeber „Programme due“, 07\.12\.2026, 16:30/);
    expect(text).to.not.match(ISO);
    expect(problems).to.deep.equal([]);
  });
});
