import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckPool } from '../../engine/kernel/bpmn/check-pool.js';
import { checkDefinition } from '../../engine/kernel/bpmn/lint.js';
import { countElements, prescanBpmnXml } from '../../engine/kernel/bpmn/prescan.js';
import { InvalidDefinitionError, TooCostlyError, TooLargeError } from '../../engine/kernel/errors.js';
import { processesDir, shippedPacks } from '../../processes/index.js';
import { unknownElementsOnLines } from '../fixtures/hostile/generate.js';

const baseline = readFileSync(new URL('../fixtures/hostile/baseline.bpmn', import.meta.url), 'utf8');
const miwg = new URL('../fixtures/miwg/', import.meta.url).pathname;

describe('BPMN checks: counted before parsing, run in a budgeted worker pool', function () {
  this.timeout(60_000);

  describe('the count before parsing', () => {
    it('lets every shipped process and every MIWG reference file through', () => {
      const files = [
        ...shippedPacks.map((pack) => join(processesDir(), pack.key, pack.bpmn.file)),
        ...readdirSync(miwg).filter((f) => f.endsWith('.bpmn')).map((f) => join(miwg, f)),
      ];
      expect(files.length).to.be.above(10);
      for (const file of files) expect(() => prescanBpmnXml(readFileSync(file, 'utf8')), file).to.not.throw();
    });

    it('counts elements, not comments, CDATA or a ">" inside an attribute value', () => {
      const xml = `<?xml version="1.0"?><a id="x"><!-- <b/><c/> --><b note="1 > 0" /><![CDATA[<d/><e/>]]><c></c></a>`;
      expect(countElements(xml)).to.deep.equal({ xmlElements: 3, extensionElements: 0 });
    });

    it('names the element whose extension elements are over the limit, and the limit', () => {
      const xml = baseline.replace('<bpmn:incoming>toReview</bpmn:incoming>', `<bpmn:extensionElements>${'<ims:x><ims:y/></ims:x>'.repeat(600)}</bpmn:extensionElements><bpmn:incoming>toReview</bpmn:incoming>`);
      const err = (() => {
        try {
          prescanBpmnXml(xml);
        } catch (e) {
          return e;
        }
      })();
      expect(err).to.be.instanceOf(InvalidDefinitionError);
      expect((err as InvalidDefinitionError).problems).to.deep.equal([{ element: 'review', message: 'review holds 1,200 extension elements; at most 1,000 are allowed per element (it was not parsed)' }]);
    });

    it('refuses more than 20,000 XML elements as too large', () => {
      const xml = baseline.replace('</bpmn:process>', `${'<bpmn:documentation>x</bpmn:documentation>'.repeat(20_001)}</bpmn:process>`);
      expect(() => prescanBpmnXml(xml)).to.throw(TooLargeError, 'BPMN file has 20,012 XML elements; the limit is 20,000');
    });
  });

  describe('the worker pool', () => {
    it('reports the same problems, spec and process as checking in this thread', async () => {
      const pool = new CheckPool();
      try {
        const xml = readFileSync(join(processesDir(), 'capa', 'capa.bpmn'), 'utf8').replace('ims:service="', 'ims:service="x-');
        const services = new Set(['risk-score']);
        const here = await checkDefinition(xml, { services });
        const there = await pool.check(xml, { services });
        expect(there.problems).to.deep.equal(here.problems).and.not.be.empty;
        expect(there.process).to.deep.equal(here.process);
        expect(there.spec).to.deep.equal(here.spec);
      } finally {
        await pool.close();
      }
    });

    it('refuses a file that does not parse as the thread would, with its problems', async () => {
      const pool = new CheckPool();
      try {
        const refused = await pool.check('<definitions', { services: new Set() }).catch((e: unknown) => e);
        expect(refused).to.be.instanceOf(InvalidDefinitionError);
        expect((refused as InvalidDefinitionError).problems[0].element).to.equal('xml');
      } finally {
        await pool.close();
      }
    });

    it('stops a check over its time budget, saying so, and checks the next file afresh', async () => {
      const pool = new CheckPool({ timeoutMs: 300, maxThreads: 1 });
      try {
        const refused = await pool.check(unknownElementsOnLines().xml, { services: new Set() }).catch((e: unknown) => e);
        expect(refused).to.be.instanceOf(TooCostlyError);
        expect((refused as Error).message).to.match(/^checking this BPMN file took longer than 300 ms; it is refused/);
        expect((await pool.check(baseline, { services: new Set() })).problems).to.deep.equal([]);
      } finally {
        await pool.close();
      }
    });

    it('stops a check over its memory budget, saying so, and passes a small file', async () => {
      const pool = new CheckPool({ maxMemoryMb: 16, timeoutMs: 30_000, maxThreads: 1 });
      try {
        expect((await pool.check(baseline, { services: new Set() })).problems).to.deep.equal([]);
        // 19,000 tasks (under the counted limits): parsing them needs more than 16 MB of heap
        const tasks = Array.from({ length: 19_000 }, (_, i) => `<bpmn:task id="t${i}" name="n${i}" />`).join('');
        const refused = await pool.check(baseline.replace('</bpmn:process>', `${tasks}</bpmn:process>`), { services: new Set() }).catch((e: unknown) => e);
        expect(refused).to.be.instanceOf(TooCostlyError);
        expect((refused as Error).message).to.equal('checking this BPMN file needed more than 16 MB of memory; it is refused; nothing was saved');
      } finally {
        await pool.close();
      }
    });

    it('refuses checks once closed', async () => {
      const pool = new CheckPool();
      await pool.close();
      const refused = await pool.check(baseline, { services: new Set() }).catch((e: unknown) => e);
      expect((refused as Error).message).to.include('closed');
    });
  });
});
