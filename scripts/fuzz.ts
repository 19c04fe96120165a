import { parseArgs } from 'node:util';
import { describeReport, runTarget } from '../test/fuzz/runner.js';
import { TARGETS } from '../test/fuzz/targets/index.js';

/**
 * npm run fuzz -- --seconds N [--target name] [--seed S] [--per-input-ms MS] [--grow] [--max-findings N] [--max-count N]
 *
 * Runs each fuzz target (one after another: each in its own worker thread, watched for hangs) for N
 * seconds after replaying its corpus; after a finding it goes on with the next seed (up to --max-findings,
 * default 5); --max-count caps how often a fragment is repeated, to look past a slow path already found.
 * Findings are kept in test/fuzz/corpus/<target>/ and make the exit
 * code 1; --grow also keeps small inputs that reached an outcome not seen before.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    target: { type: 'string', multiple: true },
    seed: { type: 'string' },
    'per-input-ms': { type: 'string', default: '2000' },
    grow: { type: 'boolean', default: false },
    'max-findings': { type: 'string', default: '5' },
    'max-count': { type: 'string' },
  },
});

const seconds = Number(values.seconds);
const perInputMs = Number(values['per-input-ms']);
const names = values.target ?? Object.keys(TARGETS);
const unknown = names.filter((n) => !TARGETS[n]);
if (!Number.isFinite(seconds) || seconds < 0 || !Number.isFinite(perInputMs) || perInputMs <= 0 || unknown.length) {
  console.error(`usage: npm run fuzz -- --seconds N [--target ${Object.keys(TARGETS).join('|')}] [--seed S] [--per-input-ms MS] [--grow] [--max-findings N] [--max-count N]`);
  if (unknown.length) console.error(`unknown target: ${unknown.join(', ')}`);
  process.exit(2);
}

// read by test/fuzz/recipe.ts in each worker (workers get a copy of the environment)
if (values['max-count'] !== undefined) process.env.FUZZ_MAX_COUNT = values['max-count'];

let findings = 0;
for (const target of names) {
  const report = await runTarget({ target, seconds, perInputMs, seed: values.seed === undefined ? undefined : Number(values.seed), keepFindings: true, grow: values.grow, maxFindings: Number(values['max-findings']) });
  console.log(describeReport(report));
  findings += report.findings.length;
}
process.exit(findings ? 1 : 0);
