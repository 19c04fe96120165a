import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import { processHarness, type ProcessHarness } from '../../support/process-harness.js';

/**
 * One complete-task command decides who may complete a task, so the JSON API, the signed-in task page and
 * the email-link page refuse alike: the same status and the same words, and nothing is saved.
 */
const PROCESS = readFileSync(new URL('../../fixtures/bpmn/complete-task.bpmn', import.meta.url), 'utf8');
const PASSWORD = 'a long and proper passphrase 42';
const NOT_UPLOADED = 'a'.repeat(64);

interface Answer {
  status: number;
  text: string;
}

describe('completing a task: the same refusal through the API, the task page and the email link', () => {
  let h: ProcessHarness;
  let review: TaskRecord;
  let businessKey: string;
  const pageTokens: Record<string, string> = {};
  const links: Record<string, string> = {};

  before(async () => {
    h = await processHarness({
      start: '2026-05-04T07:00:00Z',
      overseer: 'operator',
      prefix: 'complete-task',
      people: [
        { id: 'ann', name: 'Ann Author', roles: ['qa'], sites: ['dublin'], password: PASSWORD },
        { id: 'rob', name: 'Rob Reviewer', roles: ['qa'], sites: ['dublin'], password: PASSWORD },
        { id: 'cy', name: 'Cy Changed', roles: ['qa'], sites: ['dublin'] },
        { id: 'sy', name: 'Sy Moved', roles: ['qa'], sites: ['dublin'] },
        { id: 'quinn', name: 'Quinn Overseer', roles: ['quality-manager'], sites: ['dublin'] },
      ],
    });
    expect((await h.upload(PROCESS)).status).to.equal(201);
    for (const id of ['ann', 'rob', 'quinn', 'sy']) pageTokens[id] = (await h.server.accounts.createApiToken(id, 'task page', 'test-setup')).token;
    const started = await h.start('complete-task', 'ann', { site: 'dublin' });
    businessKey = started.businessKey;
    await h.complete(await h.theTask(started.id, 'write'), 'ann', { text: 'All fine.' });
    await h.advance(0); // the "new task" notices: one link per role holder, held in the outbox
    review = await h.theTask(started.id, 'review');
    const outbox = (await h.call('GET', `/api/outbox?task=${review.id}`, undefined, 'operator')).json.items as { userId: string; link: string }[];
    for (const mail of outbox) links[mail.userId] = mail.link;
  });
  after(async () => {
    await h?.close();
  });
  const nothingCompleted = async () => {
    expect((await h.call('GET', `/api/tasks/${review.id}`, undefined, 'operator')).json.status, 'nothing was completed').to.equal('open');
  };

  const byApi = async (as: string, data: Record<string, unknown>, signature?: Record<string, string>): Promise<Answer & { error: string; fields: { field: string; message: string }[] }> => {
    const reply = await h.call('POST', `/api/tasks/${review.id}/complete`, { data, ...(signature && { signature }) }, as);
    return { status: reply.status, text: reply.text, error: reply.json?.error, fields: reply.json?.fields ?? [] };
  };
  const post = async (url: string, form: Record<string, string>, token?: string): Promise<Answer> => {
    const reply = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token && { authorization: `Bearer ${token}` }) },
      body: new URLSearchParams(form),
      redirect: 'manual',
    });
    return { status: reply.status, text: await reply.text() };
  };
  const byPage = (as: string, form: Record<string, string>) => post(`${h.server.url}/tasks/${review.id}`, form, pageTokens[as]);
  const byLink = (as: string, form: Record<string, string>) => post(links[as], form);
  /** A page says the command's words, as a sentence (capitalised) or within one. */
  const says = (answer: Answer, message: string) => {
    const sentence = message.charAt(0).toUpperCase() + message.slice(1);
    expect(answer.text.includes(message) || answer.text.includes(sentence), `${answer.status} ${answer.text.slice(0, 2000)}`).to.equal(true);
  };

  it('refuses the author the review under separation of duties: 403 with the reason, everywhere', async () => {
    const reason = `separation of duties: you completed “Write the report” (write) of ${businessKey}, so you may not complete “Review the report”`;
    const api = await byApi('ann', { ok: true }, { email: 'ann@example.com', password: PASSWORD });
    expect(api).to.include({ status: 403, error: reason });
    for (const answer of [await byPage('ann', { ok: 'on' }), await byLink('ann', { ok: 'on' })]) {
      expect(answer.status).to.equal(403);
      says(answer, reason);
    }
    await nothingCompleted();
  });

  it('refuses a file that was not uploaded to this task: 400 naming the field, everywhere', async () => {
    const message = 'Evidence is not a file uploaded to this task: upload it first';
    const api = await byApi('rob', { ok: true, evidence: { sha256: NOT_UPLOADED, name: 'report.pdf' } }, { email: 'rob@example.com', password: PASSWORD });
    expect(api.status).to.equal(400);
    expect(api.fields).to.deep.include({ field: 'evidence', message });
    const form = { ok: 'on', 'evidence.kept': NOT_UPLOADED, 'signature.email': 'rob@example.com', 'signature.password': PASSWORD };
    for (const answer of [await byPage('rob', form), await byLink('rob', form)]) {
      expect(answer.status).to.equal(400);
      says(answer, message);
    }
    await nothingCompleted();
  });

  it('refuses a signature without its password (400 naming it) or with a wrong one (401), everywhere', async () => {
    const missing = 'your password is required to sign';
    const api = await byApi('rob', { ok: true }, { email: 'rob@example.com' });
    expect(api.status).to.equal(400);
    expect(api.fields).to.deep.include({ field: 'signature.password', message: missing });
    for (const answer of [await byPage('rob', { ok: 'on', 'signature.email': 'rob@example.com' }), await byLink('rob', { ok: 'on', 'signature.email': 'rob@example.com' })]) {
      expect(answer.status).to.equal(400);
      says(answer, missing);
    }

    const wrong = 'the password is wrong';
    expect(await byApi('rob', { ok: true }, { email: 'rob@example.com', password: 'not the password at all' })).to.include({ status: 401, error: wrong });
    const form = { ok: 'on', 'signature.email': 'rob@example.com', 'signature.password': 'not the password at all' };
    for (const answer of [await byPage('rob', form), await byLink('rob', form)]) {
      expect(answer.status).to.equal(401);
      says(answer, `Not signed: ${wrong}. Nothing was saved.`);
    }
    await nothingCompleted();
  });

  it('refuses someone who does not hold the task: 403 everywhere; the link says so in words for its person', async () => {
    // an overseer sees the task but does not hold it
    expect(await byApi('quinn', { ok: true })).to.include({ status: 403, error: 'this task is assigned to someone else' });
    const page = await byPage('quinn', { ok: 'on' });
    expect(page.status).to.equal(403);
    says(page, 'this task is assigned to someone else');
    // a role holder who was emailed the link, and then moved to another role
    expect((await h.call('PUT', '/api/users/cy', { email: 'cy@example.com', name: 'Cy Changed', roles: ['production'], sites: ['dublin'] }, 'operator')).status).to.equal(200);
    const link = await byLink('cy', { ok: 'on' });
    expect(link.status).to.equal(403);
    expect(link.text).to.include('who no longer holds this task');
    await nothingCompleted();
  });

  it('refuses someone moved to another site: the API and the page do not show the task (404), the link says why (403)', async () => {
    expect((await h.call('PUT', '/api/users/sy', { email: 'sy@example.com', name: 'Sy Moved', roles: ['qa'], sites: ['basel'] }, 'operator')).status).to.equal(200);
    expect(await byApi('sy', { ok: true })).to.include({ status: 404, error: `no task ${review.id}` });
    expect((await byPage('sy', { ok: 'on' })).status).to.equal(404);
    const link = await byLink('sy', { ok: 'on' });
    expect(link.status).to.equal(403);
    expect(link.text).to.include('no longer belongs to the site of this task');
    await nothingCompleted();
  });

  it('completes the review for its holder through the link, signed, once every rule is met', async () => {
    const done = await byLink('rob', { ok: 'on', 'signature.email': 'rob@example.com', 'signature.password': PASSWORD });
    expect(done.status, done.text).to.equal(200);
    expect((await h.call('GET', `/api/tasks/${review.id}`, undefined, 'operator')).json).to.include({ status: 'completed', completedBy: 'rob' });
  });
});
