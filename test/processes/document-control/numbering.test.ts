import { expect } from 'chai';
import { ServiceRegistry } from '../../../engine/kernel/services.js';
import { numberingScheme, schemeProblem } from '../../../processes/document-control/config.js';
import { compareRevisions, formatNumber, nextRevision } from '../../../processes/document-control/numbering.js';
import { documentPickers } from '../../../processes/document-control/pickers.js';
import { registerDocumentControlServices } from '../../../processes/document-control/services.js';
import { shipped, testEngine, type TestEngine } from '../../helpers.js';

/**
 * Document numbers: one gapless sequence per type and area (and site, when the scheme names it), the scheme
 * from IMSFLOW_DOCUMENT_NUMBERING; a number taken by a step that fails goes back, so nobody sees a gap.
 */

/** The pack's services, its numbering made to fail after taking its number for a document titled "boom". */
function services(): ServiceRegistry {
  const real = new ServiceRegistry();
  registerDocumentControlServices(real);
  const registry = new ServiceRegistry();
  for (const { name } of real.list()) {
    const service = real.get(name)!;
    registry.register(name, name !== 'document-numbering' ? service : {
      description: service.description,
      run: async (context) => {
        const result = await service.run(context);
        if (context.variables.title === 'boom') throw new Error('the numbering broke after taking its number');
        return result;
      },
    });
  }
  registry.registerStartCheck('document-control', real.startCheck('document-control')!);
  return registry;
}

const document = (title: string, more: Record<string, unknown> = {}) => ({
  variables: { title, type: 'sop', area: 'QA', revisionKind: 'major', sites: 'dublin', owner: 'anna', changeSummary: 'First issue', reason: 'New', reviewerRoles: 'auditor', ...more },
  site: 'dublin',
});

describe('document numbers', () => {
  let t: TestEngine;
  const numberOf = async (id: string) => (await t.store.getInstance(id))!.output.numbering?.number;
  const previous = process.env.IMSFLOW_DOCUMENT_NUMBERING;

  beforeEach(async () => {
    t = await testEngine({ services: services(), fieldTypes: documentPickers });
    await t.imsflow.saveUser({ id: 'anna', email: 'anna@example.com', name: 'Anna Owner', roles: ['process-owner'], sites: ['dublin', 'basel'] }, 'test');
    await t.imsflow.deploy(shipped('document-control.bpmn'), 'test');
    delete process.env.IMSFLOW_DOCUMENT_NUMBERING;
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.IMSFLOW_DOCUMENT_NUMBERING;
    else process.env.IMSFLOW_DOCUMENT_NUMBERING = previous;
  });

  it('count per type and area without gaps, a number taken by a failed step given back', async () => {
    const a = await t.imsflow.start('document-control', document('Cleaning'), 'anna');
    const failed = await t.imsflow.start('document-control', document('boom'), 'anna');
    expect((await t.store.getInstance(failed.id))!.status).to.equal('incident');
    expect(await numberOf(failed.id)).to.equal(undefined);
    const b = await t.imsflow.start('document-control', document('Gowning'), 'anna');
    const wi = await t.imsflow.start('document-control', document('Line clearance', { type: 'work-instruction' }), 'anna');
    const qc = await t.imsflow.start('document-control', document('Sampling', { area: 'QC' }), 'anna');
    expect([await numberOf(a.id), await numberOf(b.id), await numberOf(wi.id), await numberOf(qc.id)]).to.deep.equal(['SOP-QA-0001', 'SOP-QA-0002', 'WI-QA-0001', 'SOP-QC-0001']);
  });

  it('follow the scheme of IMSFLOW_DOCUMENT_NUMBERING, a site token counting per site', async () => {
    process.env.IMSFLOW_DOCUMENT_NUMBERING = '{site}-{type}{area}-{seq}';
    const dublin = await t.imsflow.start('document-control', document('Cleaning'), 'anna');
    const basel = await t.imsflow.start('document-control', { ...document('Cleaning', { sites: 'basel' }), site: 'basel' }, 'anna');
    const again = await t.imsflow.start('document-control', document('Gowning'), 'anna');
    expect([await numberOf(dublin.id), await numberOf(basel.id), await numberOf(again.id)]).to.deep.equal(['DUBLIN-SOPQA-0001', 'BASEL-SOPQA-0001', 'DUBLIN-SOPQA-0002']);
  });

  it('refuse a scheme without {seq} or with unknown tokens', () => {
    expect(schemeProblem('{type}-{area}')).to.equal('must name {seq} once');
    expect(schemeProblem('{type}-{dept}-{seq}')).to.match(/unknown tokens: \{dept\}/);
    expect(() => numberingScheme({ IMSFLOW_DOCUMENT_NUMBERING: '{type}' })).to.throw(/IMSFLOW_DOCUMENT_NUMBERING/);
    expect(numberingScheme({})).to.equal('{type}-{area}-{seq}');
    expect(formatNumber('{type}-{area}-{seq}', { type: 'policy', area: 'EH' }, 12)).to.equal('POL-EH-0012');
  });

  it('refuse to start with a scheme that cannot number, naming the setting, rather than fail at the first document', () => {
    const before = process.env.IMSFLOW_DOCUMENT_NUMBERING;
    process.env.IMSFLOW_DOCUMENT_NUMBERING = '{type}-{dept}';
    try {
      expect(() => registerDocumentControlServices(new ServiceRegistry())).to.throw(/IMSFLOW_DOCUMENT_NUMBERING "\{type\}-\{dept\}" names unknown tokens/);
    } finally {
      if (before === undefined) delete process.env.IMSFLOW_DOCUMENT_NUMBERING;
      else process.env.IMSFLOW_DOCUMENT_NUMBERING = before;
    }
  });

  it('refuse at start a new document without title, type or area, a revision of an unknown number, and unknown roles, naming each field', async () => {
    const refused = await t.imsflow.start('document-control', { variables: { sites: 'dublin', reviewerRoles: 'auditor, chef', owner: 'anna' }, site: 'dublin' }, 'anna').catch((err) => err);
    expect(refused.fields.map((f: { field: string }) => f.field)).to.deep.equal(['title', 'type', 'area', 'reviewerRoles']);
    const unknown = await t.imsflow.start('document-control', document('x', { revises: 'SOP-QA-0099' }), 'anna').catch((err) => err);
    expect(unknown.fields.map((f: { field: string }) => f.field)).to.deep.equal(['revises']);
  });
});

describe('revisions', () => {
  it('start at 1.0; a major change makes the next whole number, a minor one the next decimal', () => {
    expect(nextRevision(undefined, 'minor')).to.equal('1.0');
    expect(nextRevision('1.0', 'minor')).to.equal('1.1');
    expect(nextRevision('1.9', 'minor')).to.equal('1.10');
    expect(nextRevision('1.10', 'major')).to.equal('2.0');
    expect(['2.0', '1.10', '1.2'].sort(compareRevisions)).to.deep.equal(['1.2', '1.10', '2.0']);
  });
});
