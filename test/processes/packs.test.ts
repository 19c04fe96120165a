import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBpmnXml } from '../../engine/kernel/bpmn/parse.js';
import { validateDefinition } from '../../engine/kernel/bpmn/validate.js';
import { packFieldTypes, registerPackServices } from '../../engine/packs.js';
import { processesDir, registerImsServices, shippedCatalogue, shippedPacks, shippedProcesses } from '../../processes/index.js';

/**
 * The shipped processes as packs: one folder per process under processes/ with its BPMN, its services and
 * a manifest, listed once in processes/index.ts, and an engine that knows none of them.
 */
describe('shipped process packs', () => {
  it('every process folder under processes/ is listed as a pack, so none is left undeployed', () => {
    const folders = readdirSync(processesDir(), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'catalogue')
      .map((entry) => entry.name)
      .sort();
    expect(shippedPacks.map((pack) => pack.key).sort()).to.deep.equal(folders);
    expect(shippedProcesses().map((p) => p.file)).to.deep.equal(folders.map((key) => `${key}.bpmn`));
  });

  for (const pack of shippedPacks) {
    it(`the ${pack.key} manifest matches its diagram, and its services are all the diagram calls (its field types known)`, async () => {
      const own = registerPackServices([pack], { catalogue: shippedCatalogue() }).names();
      // a pack's forms may use the field types another shipped pack brings (a CAPA plan names documents)
      const { spec, problems } = validateDefinition(await parseBpmnXml(pack.bpmn.xml()), { services: own, fieldTypes: new Set(packFieldTypes(shippedPacks).map((type) => type.type)) });
      expect(problems, 'valid with its own services only').to.deep.equal([]);
      expect({ key: spec!.key, businessKeyPrefix: spec!.businessKeyPrefix, ownerRole: spec!.ownerRole }).to.deep.equal({
        key: pack.key,
        businessKeyPrefix: pack.businessKeyPrefix,
        ownerRole: pack.ownerRole,
      });
      // a service registered but never called would be dead weight the pack carries
      expect([...new Set(spec!.serviceTasks.values())].sort()).to.deep.equal([...own].sort());
    });
  }

  it('all packs together register the same services as before the move into packs', () => {
    expect([...registerImsServices({ catalogue: shippedCatalogue() }).names()].sort()).to.deep.equal(
      [
        'audit-checklist',
        'audit-findings',
        'audit-independence',
        'audit-programme',
        'audit-programme-check',
        'audit-raise-capas',
        'capa-actions',
        'capa-document-changes',
        'change-actions',
        'change-assessments',
        'change-document-changes',
        'complaint-next-report',
        'complaint-raise-capa',
        'complaint-reportability',
        'deviation-capa',
        'deviation-due-dates',
        'document-effective',
        'document-numbering',
        'document-review-check',
        'document-review-outcome',
        'document-review-plan',
        'document-revise',
        'document-training',
        'document-withdraw',
        'ehs-raise-capa',
        'ehs-recordability',
        'gap-actions',
        'gap-report',
        'gap-scope',
        'review-actions',
        'review-inputs',
        'risk-score',
      ],
    );
  });

  it('no engine module imports a process pack: the entry points hand the packs over', () => {
    const offenders: string[] = [];
    for (const file of readdirSync('engine', { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const source = readFileSync(join('engine', file), 'utf8');
      if (/from '(?:\.\.\/)+processes\//.test(source)) offenders.push(join('engine', file));
    }
    expect(offenders).to.deep.equal([]);
  });
});
