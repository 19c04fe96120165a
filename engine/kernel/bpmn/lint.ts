import bpmnlint from 'bpmnlint';
import conditionalFlows from 'bpmnlint/rules/conditional-flows.js';
import endEventRequired from 'bpmnlint/rules/end-event-required.js';
import noDisconnected from 'bpmnlint/rules/no-disconnected.js';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows.js';
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end.js';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split.js';
import noImplicitStart from 'bpmnlint/rules/no-implicit-start.js';
import { InvalidDefinitionError, type Problem } from '../errors.js';
import { describe, problemMessage, type ProblemArgs, type ProblemCode } from './problem-words.js';
import { parseBpmnXml, type ModdleContext, type ModdleElement } from './parse.js';
import { validateDefinition, type ProcessSpec, type ValidationOptions } from './validate.js';

/**
 * The one rule set for a BPMN definition: the bpmnlint rules below plus imsflow's own `validateDefinition`.
 * Deployment (`ProcessEngine.deploy`), the draft API and the modeler's problems panel in the browser all call
 * `checkDefinition`, so what the modeler shows while drawing is exactly what the server refuses.
 *
 * The bpmnlint rules are imported one by one (not through bpmnlint's resolver, which `require`s by name)
 * so that esbuild bundles exactly these for the browser. Every rule is an error: a rule that only warned
 * would be a second, weaker rule set. They were chosen to refuse diagrams whose behaviour in bpmn-engine
 * differs from what the drawing says (an element nothing leads to starts on its own; an unconditioned
 * split takes every branch) while accepting every shipped process in processes/. Left out on purpose:
 * `fake-join` and `no-gateway-join-fork` (shipped processes use both shapes and run correctly),
 * `no-bpmndi` (files made by tools or tests need no diagram to run), `label-required` (unnamed start and end
 * events are common and harmless; a user task without a name shows its id), `single-blank-start-event`,
 * `single-event-definition`, `event-based-gateway`, `no-complex-gateway`, `link-event` (validateDefinition
 * says it more precisely), `standard-size`, `no-overlapping-elements`, `superfluous-*` (cosmetic).
 */
export const LINT_RULES = {
  'no-disconnected': noDisconnected,
  'no-implicit-start': noImplicitStart,
  'no-implicit-end': noImplicitEnd,
  'end-event-required': endEventRequired,
  'no-duplicate-sequence-flows': noDuplicateSequenceFlows,
  'no-implicit-split': noImplicitSplit,
  'conditional-flows': conditionalFlows,
} as const;

export type LintRule = keyof typeof LINT_RULES;

/** What each rule means for an imsflow process: the code of its sentence in problem-words.ts. */
const EXPLAINED: Record<LintRule, ProblemCode> = {
  'no-disconnected': 'not-connected',
  'no-implicit-start': 'implicit-start',
  'no-implicit-end': 'implicit-end',
  'end-event-required': 'end-event-required',
  'no-duplicate-sequence-flows': 'duplicate-flows',
  'no-implicit-split': 'implicit-split',
  'conditional-flows': 'conditional-flows',
};

/** A problem of the shared rule set; `rule` names the bpmnlint rule (e.g. `bpmnlint/no-disconnected`), absent for imsflow's own rules. */
export interface DefinitionProblem extends Problem {
  rule?: string;
}

export interface CheckResult {
  /** The process spec, when the definition is valid enough to read one. */
  spec?: ProcessSpec;
  problems: DefinitionProblem[];
  /** The executable process (else the first one) of the file, whatever its problems: id and name. */
  process?: { id?: string; name?: string };
  /** The parsed definition, when checked in this thread (a checker in a worker thread returns none). */
  context?: ModdleContext;
}

/** checkDefinition, or a stand-in that runs it elsewhere (engine/kernel/bpmn/check-pool.ts: a worker thread with a budget). */
export type DefinitionChecker = (xml: string, options: ValidationOptions) => Promise<CheckResult>;

/**
 * Parses (engine/kernel/bpmn/parse.ts, with its limits against hostile XML) and checks a BPMN definition.
 * Throws InvalidDefinitionError or TooLargeError when it cannot be parsed at all; otherwise every problem
 * found is in `problems`, imsflow's own first. The definition may be deployed only when there is none.
 */
export async function checkDefinition(xml: string, options: ValidationOptions): Promise<CheckResult> {
  if (typeof xml !== 'string' || !xml.trim()) throw new InvalidDefinitionError([{ element: 'xml', message: 'the BPMN file is empty' }]);
  const context = await parseBpmnXml(xml);
  const { spec, problems } = validateDefinition(context, options);
  const lint = await lintDefinition(context);
  // One message per element and meaning: bpmnlint may say what our own rules said already.
  const seen = new Set(problems.map((p) => `${p.element}\n${p.message}`));
  return { spec, problems: [...problems, ...lint.filter((p) => !seen.has(`${p.element}\n${p.message}`))], process: processOf(context), context };
}

/** The executable process (else the first one): what a draft is named and keyed by. */
function processOf(context: ModdleContext): CheckResult['process'] {
  const processes = ((context.rootElement.rootElements ?? []) as ModdleElement[]).filter((e) => e.$type === 'bpmn:Process');
  const found = processes.find((p) => p.isExecutable) ?? processes[0];
  return found ? { ...(found.id && { id: found.id }), ...(found.name && { name: found.name }) } : undefined;
}

/** Runs the bpmnlint rules of LINT_RULES on a parsed definition. */
export async function lintDefinition(context: ModdleContext): Promise<DefinitionProblem[]> {
  linkFlows(context.rootElement);
  // A new Linter per call: a reused one reports false duplicates (FIELD-NOTES).
  const linter = new bpmnlint.Linter({
    resolver: {
      resolveRule: (pkg, name) => (pkg === 'bpmnlint' ? LINT_RULES[name as LintRule] : undefined),
      resolveConfig: () => undefined,
    },
    config: { rules: Object.fromEntries(Object.keys(LINT_RULES).map((rule) => [rule, 'error'])) },
  });
  const reports = await linter.lint(context.rootElement);
  const problems: DefinitionProblem[] = [];
  for (const rule of Object.keys(LINT_RULES) as LintRule[]) {
    for (const report of reports[rule] ?? []) {
      // an element without an id is named by validateDefinition's own problem about it
      const element = report.id ? context.elementsById[report.id] : undefined;
      const args: ProblemArgs = element ? describe(element) : { kind: 'file' };
      const code = EXPLAINED[rule];
      problems.push({ element: report.id || 'definitions', message: problemMessage(code, args), code, args, rule: `bpmnlint/${rule}` });
    }
  }
  return problems;
}

/**
 * Fills each flow node's `incoming`/`outgoing` from the sequence flows' sourceRef/targetRef. Those child
 * elements are optional in BPMN XML (the shipped processes and most tools' files leave them out; bpmn-js
 * writes them), and bpmnlint reads only them: without this, a file would pass or fail depending on how
 * it was written rather than on what it draws.
 */
function linkFlows(scope: ModdleElement): void {
  for (const root of (scope.rootElements ?? scope.flowElements ?? []) as ModdleElement[]) {
    if (root.flowElements) linkFlows(root);
    if (root.$type !== 'bpmn:SequenceFlow') continue;
    for (const [end, side] of [
      [root.sourceRef, 'outgoing'],
      [root.targetRef, 'incoming'],
    ] as const) {
      if (!end || typeof end !== 'object') continue;
      const list = ((end as ModdleElement)[side] ??= []) as ModdleElement[];
      if (!list.includes(root)) list.push(root);
    }
  }
}
