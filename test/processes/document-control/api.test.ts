import { expect } from 'chai';
import { DocumentRegister } from './register-fixture.js';
import { pageQrCodes, pageTexts } from './pdf-read.js';

/**
 * The document register's API over HTTP: the list with its search and filters scoped to the caller's
 * sites, a document's versions with reviews, signatures and training, "effective at a site at an instant"
 * across three versions and two sites (a date is the end of that day at the site), the 400s naming the
 * parameter, and controlled copies: who may have which version, stamped in the reader's words, each
 * download an audit event.
 */

const numbers = (reply: { json: { items: { number: string }[] } }) => reply.json.items.map((i) => i.number);
const fields = (reply: { json: { fields?: { field: string }[] } }) => (reply.json.fields ?? []).map((f) => f.field);

async function download(register: DocumentRegister, user: string, path: string) {
  const response = await fetch(`${register.server.url}${path}`, { headers: { authorization: `Bearer ${register.tokens[user]}` } });
  return { status: response.status, type: response.headers.get('content-type') ?? '', disposition: response.headers.get('content-disposition') ?? '', bytes: new Uint8Array(await response.arrayBuffer()) };
}

describe('document control: the register API (HTTP, SQLite, fake clock)', function () {
  this.timeout(120_000);
  const register = new DocumentRegister();
  const as = (user: string, path: string) => register.call(user, 'GET', path);

  before(async () => {
    await register.start();
    await register.build();
  });
  after(() => register.close());

  it('lists the documents of the caller’s sites with their current revision, status, owner, effective date and next review', async () => {
    const all = await as('qm-cara', '/api/documents');
    expect(all.status, all.text).to.equal(200);
    expect(numbers(all)).to.deep.equal(['SOP-QA-0001', 'WI-QA-0001']);
    const sop = all.json.items[0];
    expect(sop).to.include({ title: 'Cleaning and disinfection of the aseptic filling line', type: 'sop', revision: '3.0', status: 'effective', owner: 'po-anna', versions: 4, reviewOverdue: false });
    expect(sop.sites).to.deep.equal(['dublin']);
    expect(sop.effectiveFrom).to.equal(register.releases[2]!.effectiveAt.toISOString());
    expect(sop.changeUnderWay).to.deep.equal({ revision: '4.0', status: 'approved' });
    expect(sop.nextReviewDue > sop.effectiveFrom).to.equal(true);
    // a person sees the documents that apply to their sites: the Dublin SOP applied to Basel too (1.0, 2.0)
    expect(numbers(await as('st-dan', '/api/documents'))).to.deep.equal(['SOP-QA-0001']);
    expect(numbers(await as('po-ben', '/api/documents'))).to.deep.equal(['SOP-QA-0001', 'WI-QA-0001']);
  });

  it('searches by number and title words, and filters by type, site, status, clause, owner and reviews due', async () => {
    expect(numbers(await as('qm-cara', '/api/documents?q=aseptic%20cleaning'))).to.deep.equal(['SOP-QA-0001']);
    expect(numbers(await as('qm-cara', '/api/documents?q=WI-QA'))).to.deep.equal(['WI-QA-0001']);
    expect(numbers(await as('qm-cara', '/api/documents?type=work-instruction'))).to.deep.equal(['WI-QA-0001']);
    expect(numbers(await as('qm-cara', '/api/documents?site=basel'))).to.deep.equal(['WI-QA-0001']);
    expect(numbers(await as('qm-cara', '/api/documents?status=effective&owner=po-anna'))).to.deep.equal(['SOP-QA-0001']);
    expect(numbers(await as('qm-cara', '/api/documents?status=draft'))).to.deep.equal([]);
    expect(numbers(await as('qm-cara', '/api/documents?clause=7.5'))).to.deep.equal([]);
    expect(numbers(await as('qm-cara', '/api/documents?reviewDue=overdue'))).to.deep.equal([]);
    expect(numbers(await as('qm-cara', '/api/documents?reviewDue=30'))).to.deep.equal([]);
    expect(numbers(await as('qm-cara', '/api/documents?reviewDue=800'))).to.deep.equal(['SOP-QA-0001', 'WI-QA-0001']);
  });

  it('names the document field types for the modeler in the reader\'s language', async () => {
    const english = await as('po-anna', '/api/field-types');
    expect(english.json.items.map((i: { type: string; label: string }) => [i.type, i.label])).to.deep.equal([
      ['document', 'Controlled document'],
      ['document-sites', 'Sites of a controlled document'],
      ['documents', 'Controlled documents'],
      ['documents-to-revise', 'Controlled documents to revise'],
      ['processes', 'Processes'],
      ['roles', 'Roles'],
    ]);
    const german = await as('au-fay', '/api/field-types');
    expect(german.json.items.map((i: { label: string }) => i.label)).to.include('Gelenktes Dokument');
  });

  it('answers a filter it does not understand with a 400 naming it', async () => {
    const bad = await as('qm-cara', '/api/documents?type=memo&reviewDue=soon&status=lost');
    expect(bad.status).to.equal(400);
    expect(fields(bad).sort()).to.deep.equal(['reviewDue', 'status', 'type']);
    const elsewhere = await as('st-dan', '/api/documents?site=basel');
    expect(elsewhere.status).to.equal(400);
    expect(fields(elsewhere)).to.deep.equal(['site']);
    expect(elsewhere.json.fields[0].message).to.contain('dublin');
  });

  it('shows a document: its versions with reviews, signed approvals by name and training by person, newest effective', async () => {
    const reply = await as('qm-cara', '/api/documents/SOP-QA-0001');
    expect(reply.status, reply.text).to.equal(200);
    const doc = reply.json;
    expect(doc).to.include({ number: 'SOP-QA-0001', currentRevision: '3.0', status: 'effective' });
    expect(doc.owner).to.deep.equal({ id: 'po-anna', name: 'Anna Owner' });
    expect(doc.versions.map((v: { revision: string; status: string }) => [v.revision, v.status])).to.deep.equal([
      ['1.0', 'superseded'],
      ['2.0', 'superseded'],
      ['3.0', 'effective'],
      ['4.0', 'approved'],
    ]);
    const [first] = doc.versions;
    expect(first.supersededAt).to.equal(register.releases[1]!.effectiveAt.toISOString());
    expect(first.approvals).to.have.length(1);
    expect(first.approvals[0]).to.include({ meaning: 'approved' });
    expect(first.approvals[0].signer).to.deep.equal({ id: 'qm-cara', name: 'Cara Quality' });
    expect(first.reviews).to.deep.equal([{ role: 'auditor', by: { id: 'au-fay', name: 'Fay Auditor' }, at: first.reviews[0].at, decision: 'approve', comment: 'Reviewed: Cleaning 1.0' }]);
    expect(first.training.trained.map((p: { name: string }) => p.name)).to.deep.equal(['Dan Staff']);
    expect(first.training.outstanding).to.deep.equal([{ id: 'st-eve', name: 'Eve Staff' }]);
    expect(first.file.copy).to.equal('/api/documents/SOP-QA-0001/versions/1.0/copy');
    expect((await as('qm-cara', '/api/documents/SOP-QA-0099')).status).to.equal(404);
    // the Basel work instruction is not Dublin's business
    const hidden = await as('st-dan', '/api/documents/WI-QA-0001');
    expect(hidden.status).to.equal(404);
    expect(hidden.json.error).to.contain('WI-QA-0001');
    // Basel staff read the procedure written at Dublin that applied to them, and its copy
    const basel = await as('st-eve', '/api/documents/SOP-QA-0001');
    expect(basel.status, basel.text).to.equal(200);
    expect(basel.json.versions.map((v: { revision: string }) => v.revision)).to.include('2.0');
    const copy = await download(register, 'st-eve', '/api/documents/SOP-QA-0001/versions/3.0/copy');
    expect(copy.status).to.equal(200);
    expect(copy.type).to.equal('application/pdf');
  });

  it('says which version was effective at a site at an instant, across three versions and two sites', async () => {
    const [one, two, three] = register.releases.map((r) => r.effectiveAt);
    const at = async (site: string, when: string) => {
      const reply = await as('qm-cara', `/api/documents/SOP-QA-0001/effective?site=${site}&at=${encodeURIComponent(when)}`);
      return reply.status === 200 ? reply.json.revision : reply.status;
    };
    const iso = (d: Date, ms: number) => new Date(d.getTime() + ms).toISOString();
    expect(await at('dublin', iso(one!, -1))).to.equal(404);
    expect(await at('dublin', one!.toISOString())).to.equal('1.0');
    expect(await at('basel', iso(two!, -1))).to.equal('1.0');
    expect(await at('basel', two!.toISOString())).to.equal('2.0');
    expect(await at('dublin', iso(three!, -1))).to.equal('2.0');
    expect(await at('dublin', three!.toISOString())).to.equal('3.0');
    // 3.0 applies to Dublin only: from its instant on, nothing of SOP-QA-0001 is effective at Basel
    expect(await at('basel', three!.toISOString())).to.equal(404);
    // a date is the end of that day at the site: the day 2.0 took effect reads 2.0, the day before 1.0
    const dayOf = (d: Date) => d.toISOString().slice(0, 10);
    expect(await at('basel', dayOf(two!))).to.equal('2.0');
    expect(await at('basel', dayOf(new Date(two!.getTime() - 86_400_000)))).to.equal('1.0');
    // a date and time without a zone is the site's wall clock: 00:30 UTC is 01:30 or 02:30 in Zurich
    const zurich = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Zurich', dateStyle: 'short', timeStyle: 'short' }).format(two!).replace(' ', 'T');
    expect(await at('basel', zurich)).to.equal('2.0');
    const none = await as('qm-cara', `/api/documents/SOP-QA-0001/effective?site=dublin&at=${encodeURIComponent(iso(one!, -1))}`);
    // in the reader's words: Cara reads French
    expect(none.json.error).to.match(/Aucune version de SOP-QA-0001 n'était en vigueur à dublin/);
    // and every document at once
    const all = await as('qm-cara', `/api/documents/effective?site=basel&at=${encodeURIComponent(two!.toISOString())}`);
    expect(all.status, all.text).to.equal(200);
    const listed = (reply: typeof all) => reply.json.items.map((v: { number: string; revision: string }) => `${v.number} ${v.revision}`);
    expect(listed(all)).to.deep.equal(['SOP-QA-0001 2.0']);
    expect(all.json.timeZone).to.equal('Europe/Zurich');
    // now (no `at`): the work instruction released at Basel since; SOP-QA-0001 3.0 is Dublin's only
    expect(listed(await as('qm-cara', '/api/documents/effective?site=basel'))).to.deep.equal(['WI-QA-0001 1.0']);
    expect(listed(await as('qm-cara', '/api/documents/effective?site=dublin'))).to.deep.equal(['SOP-QA-0001 3.0']);
  });

  it('answers a missing or unknown site and an impossible date with a 400 naming site or at', async () => {
    const noSite = await as('qm-cara', '/api/documents/SOP-QA-0001/effective?at=2026-03-03');
    expect([noSite.status, fields(noSite)]).to.deep.equal([400, ['site']]);
    const badDate = await as('qm-cara', '/api/documents/effective?site=dublin&at=2026-02-30');
    expect([badDate.status, fields(badDate)]).to.deep.equal([400, ['at']]);
    const both = await as('qm-cara', '/api/documents/effective?site=atlantis&at=yesterday');
    expect(fields(both)).to.deep.equal(['site', 'at']);
  });

  it('serves the effective version’s copy to staff, stamped in their language with the signature and a QR code to the document', async () => {
    const copy = await download(register, 'st-dan', '/api/documents/SOP-QA-0001/versions/3.0/copy');
    expect(copy.status).to.equal(200);
    expect(copy.type).to.equal('application/pdf');
    expect(copy.disposition).to.contain('SOP-QA-0001-3.0-effective.pdf');
    const [text] = await pageTexts(copy.bytes);
    expect(text).to.contain('SOP-QA-0001').and.contain('Cleaning 3.0').and.contain('Cara Quality').and.contain('Europe/Dublin');
    expect(text).to.match(/Uncontrolled when printed/i);
    expect((await pageQrCodes(copy.bytes))[0]).to.deep.equal([`${register.server.url}/documents/SOP-QA-0001`]);
    const audit = (await register.server.imsflow.queries.auditTrail({ target: 'document:SOP-QA-0001' })).filter((e) => e.action === 'document-control.copy.downloaded');
    expect(audit.filter((e) => e.actor === 'st-dan').map((e) => [e.actor, (e.new as { revision: string }).revision])).to.deep.equal([['st-dan', '3.0']]);
  });

  it('keeps superseded versions for quality managers, process owners and auditors, marked superseded; refuses them to staff', async () => {
    expect((await download(register, 'st-dan', '/api/documents/SOP-QA-0001/versions/1.0/copy')).status).to.equal(403);
    const old = await download(register, 'au-fay', '/api/documents/SOP-QA-0001/versions/1.0/copy');
    expect(old.status).to.equal(200);
    const [text] = await pageTexts(old.bytes);
    // Fay reads German, on Zurich's clock
    expect(text).to.match(/ERSETZT/).and.contain('Cleaning 1.0').and.contain('Europe/Zurich');
  });

  it('serves an approved version before its effective date only to those who wrote, reviewed, approved or own it, stamped approved', async () => {
    expect((await download(register, 'st-dan', '/api/documents/SOP-QA-0001/versions/4.0/copy')).status).to.equal(403);
    const early = await download(register, 'qm-cara', '/api/documents/SOP-QA-0001/versions/4.0/copy');
    expect(early.status).to.equal(200);
    expect(early.disposition).to.contain('SOP-QA-0001-4.0-approved.pdf');
    const [text] = await pageTexts(early.bytes);
    // stamped with its real status in Cara's French, never as effective
    expect(text).to.match(/PAS ENCORE EN VIGUEUR/i);
    expect((await download(register, 'po-anna', '/api/documents/SOP-QA-0001/versions/4.0/copy')).status).to.equal(200);
    expect((await download(register, 'qm-cara', '/api/documents/SOP-QA-0001/versions/9.0/copy')).status).to.equal(404);
    const badRevision = await as('qm-cara', '/api/documents/SOP-QA-0001/versions/latest/copy');
    expect([badRevision.status, fields(badRevision)]).to.deep.equal([400, ['revision']]);
    expect((await register.server.imsflow.verifyAuditTrail()).ok).to.equal(true);
  });
});
