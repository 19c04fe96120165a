import { expect } from 'chai';
import { bpmn } from './helpers.js';
import { processHarness, type ProcessHarness } from './support/process-harness.js';

/**
 * Separation of duties on the email-link page: whoever wrote a report may not review it, even from the link
 * every role holder was emailed. The page says why; nothing is saved.
 */
const PROCESS = bpmn(
  'duties',
  `
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="write" />
    <userTask id="write" name="Write the report" ims:candidateRole="qa">
      <extensionElements><ims:form><ims:field key="text" label="Report" type="text" required="true" /></ims:form></extensionElements>
    </userTask>
    <sequenceFlow id="f2" sourceRef="write" targetRef="review" />
    <userTask id="review" name="Review the report" ims:candidateRole="qa" ims:notBy="write">
      <extensionElements><ims:form><ims:field key="ok" label="Accepted" type="checkbox" /></ims:form></extensionElements>
    </userTask>
    <sequenceFlow id="f3" sourceRef="review" targetRef="end" />
    <endEvent id="end" />`,
);

describe('separation of duties on the email-link page and the task page', () => {
  let h: ProcessHarness;
  before(async () => {
    h = await processHarness({
      start: '2026-05-04T07:00:00Z',
      overseer: 'operator',
      prefix: 'duties',
      people: [
        { id: 'ann', name: 'Ann Author', roles: ['qa'] },
        { id: 'rob', name: 'Rob Reviewer', roles: ['qa'] },
      ],
    });
    expect((await h.upload(PROCESS)).status).to.equal(201);
  });
  after(async () => {
    await h?.close();
  });

  it('the author\'s link to the review says she may not complete it, and saves nothing; the other role holder\'s link works', async () => {
    const { id } = await h.start('duties', 'ann');
    await h.complete(await h.theTask(id, 'write'), 'ann', { text: 'All fine.' });
    await h.advance(0); // the "new task" notices: one link per role holder, held in the outbox
    const review = await h.theTask(id, 'review');
    const links = (await h.call('GET', `/api/outbox?task=${review.id}`, undefined, 'operator')).json.items as { userId: string; link: string }[];
    const linkOf = (user: string) => links.find((m) => m.userId === user)!.link;
    const post = (link: string) => fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ok: 'true' }), redirect: 'manual' });

    const refused = await post(linkOf('ann'));
    expect(refused.status).to.equal(403);
    expect(refused.headers.get('content-type')).to.match(/^text\/html/);
    expect(await refused.text()).to.include('separation of duties: you completed “Write the report” (write)');
    expect((await h.theTask(id, 'review')).status).to.equal('open');

    expect((await post(linkOf('rob'))).status).to.equal(200);
    expect((await h.record(id)).status).to.equal('completed');
  });

  it('the author signed in on the task page is refused the review with the reason, and nothing is saved', async () => {
    const { id } = await h.start('duties', 'ann');
    await h.complete(await h.theTask(id, 'write'), 'ann', { text: 'All fine.' });
    const review = await h.theTask(id, 'review');
    const { token } = await h.server.accounts.createApiToken('ann', 'task page', 'test-setup');
    const refused = await fetch(`${h.server.url}/tasks/${review.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
      body: new URLSearchParams({ ok: 'true' }),
      redirect: 'manual',
    });
    // The complete-task command refuses it for every entry point alike: 403, as the API and the link page (this page said 400 before).
    expect(refused.status).to.equal(403);
    expect(refused.headers.get('content-type')).to.match(/^text\/html/);
    const page = await refused.text();
    expect(page).to.include('<title>Not allowed');
    expect(page).to.include('Separation of duties: you completed “Write the report” (write)');
    expect((await h.theTask(id, 'review')).status).to.equal('open');
  });
});
