import { expect } from 'chai';
import { NotFoundError, NotPermittedError, ValidationError } from '../../../engine/kernel/errors.js';
import { manifestation, signedTime } from '../../../engine/features/signatures/index.js';
import { openTasks, shipped, testEngine, type TestEngine } from '../../helpers.js';

/**
 * A person's own language and clock (the account page's command), and the clock a signature is shown on:
 * the signer's, while the stored time stays UTC.
 */

const READERS = { locale: 'en-GB', timeZone: 'UTC', sites: { basel: { locale: 'de-CH', timeZone: 'Europe/Zurich' } } };

describe('a person sets their own reading preferences', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine({ readers: READERS });
    await t.imsflow.saveUser({ id: 'lea', email: 'lea@example.com', name: 'Léa Martin', roles: ['staff'], sites: ['basel'] }, 'admin');
    await t.imsflow.saveUser({ id: 'quinn', email: 'quinn@example.com', name: 'Quinn Manager', roles: ['quality-manager', 'admin'] }, 'admin');
  });

  it('saves locale and zone, keeps everything else, and records old → new in the audit trail', async () => {
    const before = (await t.store.getUser('lea'))!;
    const saved = await t.imsflow.setReadingPreferences('lea', { locale: 'fr-fr', timeZone: 'Europe/Paris' }, 'lea');
    expect(saved).to.include({ locale: 'fr-FR', timeZone: 'Europe/Paris', name: 'Léa Martin', email: 'lea@example.com' });
    expect(saved.roles).to.deep.equal(before.roles);
    expect(saved.sites).to.deep.equal(['basel']);
    const stored = (await t.store.getUser('lea'))!;
    expect(stored).to.deep.equal({ ...before, locale: 'fr-FR', timeZone: 'Europe/Paris' });

    // back to the site's: empty values remove the choice
    await t.imsflow.setReadingPreferences('lea', { locale: '', timeZone: '' }, 'lea');
    expect((await t.store.getUser('lea'))!).to.deep.equal(before);
    const events = (await t.store.listAudit({ target: 'user:lea' })).filter((e) => e.action === 'user.preferences-changed');
    expect(events.map((e) => [e.actor, e.old, e.new])).to.deep.equal([
      ['lea', {}, { locale: 'fr-FR', timeZone: 'Europe/Paris' }],
      ['lea', { locale: 'fr-FR', timeZone: 'Europe/Paris' }, {}],
    ]);
  });

  it('writes nothing when nothing changes', async () => {
    await t.imsflow.setReadingPreferences('lea', { locale: 'de-CH' }, 'lea');
    await t.imsflow.setReadingPreferences('lea', { locale: 'de-CH' }, 'lea');
    expect((await t.store.listAudit({ target: 'user:lea' })).filter((e) => e.action === 'user.preferences-changed')).to.have.length(1);
  });

  it('lets nobody change another person’s, not even an admin (they use the directory)', async () => {
    const err = await t.imsflow.setReadingPreferences('lea', { locale: 'en-US' }, 'quinn').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NotPermittedError);
    expect((await t.store.getUser('lea'))!.locale).to.equal(undefined);
    const nobody = await t.imsflow.setReadingPreferences('ghost', { locale: 'en-US' }, 'ghost').catch((e: unknown) => e);
    expect(nobody).to.be.instanceOf(NotFoundError);
  });

  it('refuses a locale imsflow does not speak or a zone there is not, naming the fields', async () => {
    const err = (await t.imsflow.setReadingPreferences('lea', { locale: 'ja-JP', timeZone: 'Mars/Olympus' }, 'lea').catch((e: unknown) => e)) as ValidationError;
    expect(err).to.be.instanceOf(ValidationError);
    expect(err.fields.map((f) => f.field)).to.deep.equal(['locale', 'timeZone']);
    const odd = (await t.imsflow.setReadingPreferences('lea', { locale: ['de-CH'], timeZone: 7 }, 'lea').catch((e: unknown) => e)) as ValidationError;
    expect(odd.fields.map((f) => f.field)).to.deep.equal(['locale', 'timeZone']);
    expect((await t.store.listAudit({ target: 'user:lea' })).filter((e) => e.action === 'user.preferences-changed')).to.deep.equal([]);
  });
});

describe('a signature’s time on the signer’s clock', () => {
  it('keeps the UTC instant and shows it in the zone the signer reads in (their own, else their site’s)', async () => {
    const t = await testEngine({ readers: READERS });
    await t.imsflow.deploy(shipped('nonconformity.bpmn'), 'admin');
    await t.imsflow.saveUser({ id: 'carol', email: 'carol@example.com', name: 'Carol Deputy', roles: ['staff'], sites: ['basel'] }, 'admin');
    const { id } = await t.imsflow.start('nonconformity', { variables: { owner: 'bob' } }, 'rita');
    const { assess } = await openTasks(t.imsflow, id);
    await t.imsflow.completeTask(assess.id, { severity: 'major', containment: 'Lot 12 quarantined', actionNeeded: true }, 'carol');
    const { act } = await openTasks(t.imsflow, id);
    await t.imsflow.completeTask(act.id, { cause: 'Worn die', actionTaken: 'Die replaced', completedOn: '2026-03-05' }, 'bob');
    const { verify } = await openTasks(t.imsflow, id);
    const { signature } = await t.imsflow.completeTask(verify.id, { effective: 'yes', evidence: 'Three lots' }, 'carol', { signature: { userId: 'carol', printedName: 'Carol Deputy', method: 'password+userid' } });
    // 08:00 UTC on 2 March is 09:00 in Zurich (winter time)
    expect(signature).to.include({ signedAt: '2026-03-02T08:00:00.000Z', timeZone: 'Europe/Zurich' });
    expect(manifestation(signature!).text).to.equal('Verified by Carol Deputy on 2026-03-02 09:00:00 Europe/Zurich (UTC+01:00)');
    const event = (await t.store.listAudit({ target: `task:${verify.id}` })).find((e) => e.action === 'task.signed')!;
    expect(event.new).to.include({ signedAt: '2026-03-02T08:00:00.000Z', timeZone: 'Europe/Zurich' });
  });

  it('writes the zone with its offset in summer, and UTC as before', () => {
    expect(signedTime({ signedAt: '2026-07-01T22:30:05.000Z', timeZone: 'Europe/Zurich' })).to.equal('2026-07-02 00:30:05 Europe/Zurich (UTC+02:00)');
    expect(signedTime({ signedAt: '2026-07-01T22:30:05.000Z', timeZone: 'America/New_York' })).to.equal('2026-07-01 18:30:05 America/New_York (UTC-04:00)');
    expect(signedTime({ signedAt: '2026-07-01T22:30:05.000Z', timeZone: 'UTC' })).to.equal('2026-07-01 22:30:05 UTC');
  });
});
