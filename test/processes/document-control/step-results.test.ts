import { expect } from 'chai';
import { SESSION_COOKIE } from '../../../api/auth.js';
import { http, pageText } from '../../support/http.js';
import { expectEveryMessageFound } from '../../support/messages.js';
import type { StepResultsReader } from '../../../engine/packs.js';
import { documentStepResults } from '../../../processes/document-control/step-results.js';
import { PASSWORD, DocumentRegister } from './register-fixture.js';

/**
 * A document's record page tells what its automatic steps did in words (ProcessPack.stepResults): the number,
 * revision, title, type and area as the start form names them, the sites by their register names, the linked
 * processes by name, the reviewing roles and roles to train in the reader's language, who was assigned
 * training and when the version became effective, on the reader's clock. No key, id or ISO instant shows;
 * a training record started by the document does not show the document's record id.
 */

const ADMIN = { id: 'test-setup', roles: ['admin'] };

/** The text of the record page's "results of the automatic steps" section. */
function automaticSection(html: string): string {
  const from = html.indexOf('id="automatic"');
  expect(from, 'the page has a section of automatic results').to.be.greaterThan(-1);
  return pageText(html.slice(html.indexOf('>', from) + 1, html.indexOf('<h2 id="history"')));
}

describe('document control: the record page words the automatic steps’ results', function () {
  this.timeout(120_000);
  const register = new DocumentRegister();
  let numbered: string;
  expectEveryMessageFound();

  before(async () => {
    await register.start();
    const sites = register.server.imsflow.commands.sites;
    await sites.update('basel', { name: 'Basel plant', locale: 'de-CH', timeZone: 'Europe/Zurich' }, ADMIN);
    await sites.update('dublin', { name: 'Dublin plant', locale: 'en-IE', timeZone: 'Europe/Dublin' }, ADMIN);
    await register.build();
    const started = await register.call('po-anna', 'POST', '/api/processes/document-control/instances', {
      variables: {
        title: 'Gowning for the cleanroom',
        type: 'sop',
        area: 'PR',
        revisionKind: 'major',
        owner: 'po-anna',
        changeSummary: 'First issue',
        reason: 'New cleanroom',
        sites: ['basel', 'dublin'],
        processes: ['capa', 'nonconformity'],
        reviewerRoles: ['auditor', 'steering-committee'],
        trainingRoles: ['staff'],
      },
      site: 'dublin',
    });
    expect(started.status, started.text).to.equal(201);
    numbered = started.json.id as string;
  });
  after(() => register.close());

  const cookieOf = async (user: string) => `${SESSION_COOKIE}=${(await register.server.accounts.login(`${user}@example.com`, PASSWORD, 'test')).token}`;
  const page = async (user: string, id: string) => {
    const reply = await http('GET', `${register.server.url}/records/${id}`, undefined, { cookie: await cookieOf(user) });
    expect(reply.status).to.equal(200);
    return reply.text;
  };

  it('names the numbering in English: type and area in words, sites by their register names, processes and roles by name', async () => {
    const text = automaticSection(await page('po-anna', numbered));
    expect(text).to.match(/Number PR-0001|Number SOP-PR-0001/);
    expect(text).to.include('Revision 1.0').and.include('Title Gowning for the cleanroom');
    expect(text).to.include('Type Standard operating procedure (SOP)').and.include('Area Production (PR)');
    expect(text).to.include('Sites Basel plant, Dublin plant');
    expect(text).to.include('Linked processes Corrective and preventive action (CAPA), Nonconformity');
    expect(text).to.include('Reviewing roles Auditor, Steering committee').and.include('Roles to train Staff');
    expect(text).to.include('Document owner Anna Owner');
    expect(text).to.not.match(/\b(basel|dublin|capa|nonconformity|auditor|steering-committee|staff|sop|po-anna)\b/);
    expect(text).to.not.match(/[{}[\]"]|\d{4}-\d\d-\d\dT\d\d:/);
  });

  it('names it in German to a reader who reads German', async () => {
    const text = automaticSection(await page('au-fay', numbered));
    expect(text).to.include('Art Standardarbeitsanweisung (SOP)').and.include('Bereich Produktion (PR)');
    expect(text).to.include('Standorte Basel plant, Dublin plant');
    expect(text).to.include('Verknüpfte Prozesse Korrektur- und Vorbeugungsmaßnahme (CAPA), Nichtkonformität');
    expect(text).to.include('Prüfende Rollen Auditor, Lenkungsausschuss').and.include('Zu schulende Rollen Mitarbeitende');
    expect(text).to.not.match(/\b(basel|dublin|capa|nonconformity|steering-committee|staff|sop)\b/);
  });

  it('tells a released version’s review, training, effective date and periodic review in words', async () => {
    const released = register.releases[0]!.instanceId;
    const english = automaticSection(await page('po-anna', released));
    expect(english).to.include('Outcome Approved by every reviewer');
    expect(english).to.include('Assigned read-and-understood training Dan Staff, Eve Staff').and.include('Training due');
    expect(english).to.include('Effective since').and.include('Periodic review due').and.include('Reviewed every 2 years');
    expect(english).to.not.match(/\b(st-dan|st-eve|P2Y|superseded)\b|\d{4}-\d\d-\d\dT\d\d:|[{}[\]"]/i);
    const german = automaticSection(await page('au-fay', released));
    expect(german).to.include('Ergebnis Von allen Prüfenden freigegeben').and.include('In Kraft seit').and.include('Überprüft alle 2 Jahre');
  });

  it('a training record started by the document names it among the linked records, not by its record id', async () => {
    const released = register.releases[0]!;
    const training = (await register.server.imsflow.store.listInstances({ key: 'training-acknowledgement', limit: 100 })).find((r) => r.variables.documentInstanceId === released.instanceId)!;
    expect(training, 'a training record of release 1.0').to.not.equal(undefined);
    const html = await page('qm-cara', training.id);
    const text = pageText(html);
    // the start data and the history's sentence of the start leave the id out; only "as recorded" (the raw event) keeps it
    const read = pageText(html.replace(/<details[\s\S]*?<\/details>/g, ''));
    expect(read).to.not.include(released.instanceId).and.not.match(/Document instance id/i);
    const document = await register.server.imsflow.getInstance(released.instanceId);
    expect(text).to.include(document.businessKey);
  });

});

describe('document control: which automatic results it words', () => {
  const reader: StepResultsReader = {
    locale: 'en',
    language: 'en',
    t: (id, values) => (values ? `${id} ${Object.values(values).join(' ')}` : id),
    translated: (_id, authored) => authored,
    siteName: () => undefined,
    processName: () => undefined,
    personName: () => undefined,
    dateTime: (iso) => `at ${iso.slice(0, 10)}`,
    calendarDate: (ymd) => ymd,
  };

  it('hides a check that found no later version, and words one that did', () => {
    expect(documentStepResults('reviewCheck', { superseded: false }, reader)).to.deep.equal([]);
    expect(documentStepResults('reviewCheck', { superseded: true, by: 'DOC-2026-0004', revision: '2.0' }, reader)).to.deep.equal([
      { label: 'document-control-fields.result.supersededBy', value: 'document-control-fields.result.supersededBy.value 2.0 DOC-2026-0004' },
    ]);
  });

  it('words a withdrawal and a revision started at the periodic review', () => {
    expect(documentStepResults('withdraw', { obsoleteAt: '2028-01-02T03:04:05.000Z', retainUntil: '2038-01-02T03:04:05.000Z', retention: 'P10Y' }, reader)).to.deep.equal([
      { label: 'document-control-fields.result.obsoleteAt', value: 'at 2028-01-02' },
      { label: 'document-control-fields.result.retainUntil', value: 'at 2038-01-02' },
    ]);
    expect(documentStepResults('revise', { started: true, revisionKind: 'minor' }, reader)).to.deep.equal([{ label: 'document-control-fields.result.nextVersion', value: 'document-control-fields.result.revisionKind.minor' }]);
  });

  it('leaves a step it does not know, or a result that is not an object, to be shown as data', () => {
    expect(documentStepResults('draft', { any: 1 }, reader)).to.equal(undefined);
    expect(documentStepResults('numbering', 'SOP-QA-0001', reader)).to.equal(undefined);
  });
});
