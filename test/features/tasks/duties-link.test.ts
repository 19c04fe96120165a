import { expect } from 'chai';
import { fixtureBpmn } from '../../helpers.js';
import { processHarness, type ProcessHarness } from '../../support/process-harness.js';

/**
 * Separation of duties on the email-link page: whoever wrote a report may not review it, even from the link
 * every role holder was emailed. The page says why; nothing is saved.
 */
const PROCESS = fixtureBpmn('duties');

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

  it('the author\'s email link to the review refuses her and saves nothing; another holder\'s works', async () => {
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

  it('the author is refused the review on the task page, saying why, saving nothing', async () => {
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
    // The signed-in page has always answered this refusal as "This cannot be done" (400); the API and the link page say 403.
    expect(refused.status).to.equal(400);
    expect(refused.headers.get('content-type')).to.match(/^text\/html/);
    const page = await refused.text();
    expect(page).to.include('<title>This cannot be done');
    expect(page).to.include('separation of duties: you completed “Write the report” (write)');
    expect((await h.theTask(id, 'review')).status).to.equal('open');
  });
});
