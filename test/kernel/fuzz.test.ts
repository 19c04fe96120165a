import { expect } from 'chai';
import { describeReport, readCorpus, runTarget, type TargetReport } from '../fuzz/runner.js';
import { TARGETS } from '../fuzz/targets/index.js';
import { readFileSync } from 'node:fs';
import { checkDefinition } from '../../engine/kernel/bpmn/lint.js';
import { bpmnTarget } from '../fuzz/targets/bpmn.js';
import { formsTarget, type FormsInput } from '../fuzz/targets/forms.js';

/**
 * The fuzz targets on every build (test/fuzz/, `npm run fuzz` for long runs): each target replays every
 * input kept in its corpus, then meets fresh inputs for a few seconds, in a worker thread whose watchdog
 * turns an input that runs over its time limit into a finding. A failure prints the seed and the input;
 * `npm run fuzz -- --target <name> --seed <seed> --seconds <s>` repeats the run and keeps the input.
 */
const FRESH_SECONDS = Number(process.env.FUZZ_SECONDS ?? 3);
/** A hang runs for seconds to minutes; 3 s (the CLI uses 2 s) leaves room for a machine busy with other tests. */
const PER_INPUT_MS = 3_000;

describe('fuzzing: nothing anyone sends can crash or stall the checks', function () {
  for (const name of Object.keys(TARGETS)) {
    describe(`${name} target`, function () {
      let report: TargetReport;
      before(async function () {
        this.timeout(60_000 + readCorpus(name).length * PER_INPUT_MS);
        report = await runTarget({ target: name, seconds: FRESH_SECONDS, perInputMs: PER_INPUT_MS });
      });

      it(`every input kept in test/fuzz/corpus/${name} is still answered properly and in time`, function () {
        expect(report.replayed, describeReport(report)).to.equal(readCorpus(name).length);
        expect(report.findings.filter((f) => f.replayed), describeReport(report)).to.deep.equal([]);
      });

      it(`${FRESH_SECONDS} seconds of fresh hostile inputs find nothing`, function () {
        expect(report.findings.filter((f) => !f.replayed), describeReport(report)).to.deep.equal([]);
        expect(report.runs, describeReport(report)).to.be.greaterThan(0);
      });
    });
  }
});

describe('fuzzing: the watchdog', function () {
  it('reports an input that overruns its time limit as a hang, naming the file kept', async function () {
    this.timeout(30_000);
    const report = await runTarget({ target: 'expressions', seconds: 0, perInputMs: 1, corpusDir: new URL('../fuzz/watchdog-corpus/', import.meta.url).pathname });
    expect(report.findings.map((f) => [f.kind, f.file])).to.deep.equal([['hang', 'expressions/slow.json']]);
  });
});

describe('fuzzing findings, as regression tests', function () {
  const run = (input: FormsInput) => formsTarget.run(input);

  it('an unsent field named like an Object member (valueOf, constructor) is only "required"', async function () {
    for (const key of ['valueOf', 'constructor', 'toString', 'hasOwnProperty', 'isPrototypeOf']) {
      await run({ fields: [{ key, required: true }], mode: 'partial', body: '{}' });
      await run({ fields: [{ key, type: 'checkbox' }], mode: 'partial', body: '{}' });
    }
  });

  it('a value submitted for a field keyed __proto__ is kept as that field\'s value', async function () {
    await run({ fields: [{ key: '__proto__' }], mode: 'valid', body: '{"__proto__": "kept"}' });
    await run({ fields: [{ key: '__proto__', type: 'file' }], mode: 'valid', body: `{"__proto__": {"sha256": "${'a'.repeat(64)}", "name": "x.pdf"}}` });
  });

  it('every problem of a diagram names its element, even an element whose id is empty', async function () {
    const baseline = readFileSync(new URL('../fixtures/hostile/baseline.bpmn', import.meta.url), 'utf8');
    const unnamed = baseline.replace('id="review" name="Review"', 'id=""').replace('<bpmn:incoming>toReview</bpmn:incoming>', '');
    await bpmnTarget.run([unnamed]);
    await bpmnTarget.run([unnamed.replace('<bpmn:endEvent id="end">', '<bpmn:endEvent id="">')]);
    const { problems } = await checkDefinition(unnamed, { services: new Set() });
    expect(problems.map((p) => p.element)).to.not.include('');
    expect(problems).to.deep.include({
      element: 'bpmn:UserTask',
      message: 'A task without a name has no id: every element needs one, so that problems, links and the audit trail can name it.',
      code: 'no-id',
      args: { kind: 'task' },
    });
  });
});
