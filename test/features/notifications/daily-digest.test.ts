import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { EmbeddedScheduler } from '../../../workers/runners/embedded/scheduler.js';
import { bpmn } from '../../helpers.js';
import { TestSmtpServer } from '../../support/smtp.js';

/**
 * Notices as one daily digest per person, through the real outbox and a real SMTP server on a fake clock:
 * fifteen tasks assigned to a person who chose the digest make one email at their chosen time on their
 * clock, listing all fifteen with their personal links; fifteen for a person who chose "at once" make
 * fifteen emails. Overdue reminders still come at once. One digest per person per day, even with two
 * schedulers racing.
 */

const MONDAY_NOON_ZURICH = '2026-11-30T11:00:00.000Z';
const TUESDAY_0630_ZURICH = '2026-12-01T05:30:00.000Z';
const TUESDAY_0630_ZURICH_PLUS = '2026-12-01T05:30:01.000Z';
const WORK = bpmn(
  'daily-work',
  `<startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="t" />
   <userTask id="t" name="Check the batch record" ims:assignee="\${variables.owner}" ims:due="P7D" /><sequenceFlow id="f2" sourceRef="t" targetRef="e" /><endEvent id="e" />`,
);

describe('daily digest of notices (embedded scheduler, real SMTP, fake clock)', function () {
  this.timeout(60_000);
  let smtp: TestSmtpServer;
  let server: RunningServer;
  let clock: FakeClock;
  let dir: string;
  const runAll = async (scheduler = server.scheduler) => {
    let total = 0;
    for (let ran = await scheduler.runDue(); ran > 0; ran = await scheduler.runDue()) total += ran;
    return total;
  };
  const to = (address: string) => smtp.received.filter((email) => email.to?.[0]?.address === address);

  before(async () => {
    smtp = await new TestSmtpServer().start();
    dir = mkdtempSync(join(tmpdir(), 'imsflow-daily-digest-'));
    clock = new FakeClock(MONDAY_NOON_ZURICH);
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', SMTP_URL: smtp.url, IMSFLOW_MAIL_RATE: '1000', IMSFLOW_DIGEST: 'off' }), { clock, logger: pino({ level: 'silent' }) });
    const { imsflow } = server;
    await imsflow.saveUser({ id: 'dana', email: 'dana@example.com', name: 'Dana Daily', roles: ['staff'], timeZone: 'Europe/Zurich', locale: 'de-CH' }, 'test-setup');
    await imsflow.saveUser({ id: 'ivan', email: 'ivan@example.com', name: 'Ivan Instant', roles: ['staff'], timeZone: 'Europe/Zurich' }, 'test-setup');
    await imsflow.deploy(WORK, 'test-setup');
  });
  after(async () => {
    await server?.close();
    await smtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a preference that is not one, naming the field, and only for oneself', async () => {
    const refused = await server.imsflow.setNoticePreference('dana', { delivery: 'weekly', at: '25:00' }, 'dana').catch((err: { fields: { field: string }[] }) => err.fields.map((f) => f.field));
    expect(refused).to.deep.equal(['delivery', 'at']);
    const other = await server.imsflow.setNoticePreference('dana', { delivery: 'daily' }, 'ivan').catch((err: Error) => err.name);
    expect(other).to.equal('NotPermittedError');
  });

  it('sends 15 emails for 15 tasks to the person who chose "at once", and none yet to the one who chose the digest', async () => {
    await server.imsflow.setNoticePreference('dana', { delivery: 'daily', at: '06:30' }, 'dana');
    for (let i = 1; i <= 15; i += 1) {
      await server.imsflow.start('daily-work', { variables: { owner: 'dana' } }, 'test-setup');
      await server.imsflow.start('daily-work', { variables: { owner: 'ivan' } }, 'test-setup');
    }
    await runAll();
    await smtp.waitFor(15);
    expect(to('ivan@example.com')).to.have.length(15);
    expect(to('dana@example.com')).to.have.length(0);
    const waiting = await server.imsflow.store.listMessages({ status: 'waiting', userId: 'dana' });
    expect(waiting).to.have.length(15);
    // one job for Dana's Tuesday, at 06:30 on her clock, however many notices armed it
    const jobs = (await server.imsflow.store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'digest');
    expect(jobs.map((j) => [j.id, j.runAt])).to.deep.equal([['digest-day-dana-2026-12-01', TUESDAY_0630_ZURICH]]);
  });

  it('sends Dana one digest at 06:30 her time listing the 15 tasks with their 15 links, once even with two schedulers', async () => {
    clock.set(TUESDAY_0630_ZURICH);
    const second = new EmbeddedScheduler(server.imsflow.store, clock, server.assembly.handlers, { workerId: 'second-process' });
    await Promise.all([runAll(), runAll(second)]);
    await smtp.waitFor(16);
    const [digest, ...more] = to('dana@example.com');
    expect(more).to.have.length(0);
    expect(digest.subject).to.equal('Ihre Tagesübersicht vom 01.12.2026: 15 Mitteilungen');
    const links = [...new Set(digest.text!.match(/http:\/\/[^\s]+\/t\/[^\s]+/g) ?? [])];
    expect(links).to.have.length(15);
    for (const link of links) expect(digest.html).to.contain(`href="${link}"`);
    expect(digest.text).to.contain('Fälligkeiten, überfällige Aufgaben und Eskalationen erhalten Sie weiterhin sofort');
    // each link opens its task for Dana
    const page = await fetch(links[0]);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.contain('Check the batch record');
    const store = server.imsflow.store;
    expect(await store.listMessages({ status: 'waiting', userId: 'dana' })).to.have.length(0);
    const digested = await store.listMessages({ status: 'digested', userId: 'dana' });
    expect(digested).to.have.length(15);
    expect(new Set(digested.map((m) => m.digestId)).size).to.equal(1);
    const audit = (await store.listAudit({ target: 'user:dana' })).filter((e) => e.action === 'digest.sent');
    expect(audit).to.have.length(1);
    expect(audit[0].new).to.deep.include({ day: '2026-12-01', notices: 15, to: ['dana'] });
    // nothing else waits: a second later nothing more is sent
    clock.set(TUESDAY_0630_ZURICH_PLUS);
    await runAll();
    expect(to('dana@example.com')).to.have.length(1);
  });

  it('collects the reminders into the next digest, while due-date and overdue notices still come at once', async () => {
    // due Monday 7 Dec 12:00: reminders Sunday 12:00 (digest), due Monday 12:00 and overdue Wednesday 12:00 (at once)
    clock.set('2026-12-06T11:00:00.000Z');
    await runAll();
    expect(await server.imsflow.store.listMessages({ status: 'waiting', userId: 'dana' })).to.have.length(15);
    clock.set('2026-12-07T05:30:00.000Z');
    await runAll();
    clock.set('2026-12-10T05:30:00.000Z');
    await runAll();
    // Ivan: 15 reminders, 15 due, 15 overdue; Dana: one digest of the 15 reminders (Monday 06:30), 15 due, 15 overdue
    await smtp.waitFor(16 + 45 + 31);
    const dana = to('dana@example.com').slice(1);
    const subjects = dana.map((email) => email.subject ?? '');
    expect(subjects.filter((s) => s.startsWith('Jetzt fällig'))).to.have.length(15);
    expect(subjects.filter((s) => s.startsWith('Überfällig'))).to.have.length(15);
    const digests = dana.filter((email) => email.subject?.startsWith('Ihre Tagesübersicht'));
    expect(digests.map((email) => email.subject)).to.deep.equal(['Ihre Tagesübersicht vom 07.12.2026: 15 Mitteilungen']);
    expect(to('ivan@example.com')).to.have.length(60);
  });
});
