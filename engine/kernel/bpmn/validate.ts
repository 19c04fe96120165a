import { checkExpressions, hasExpression } from '../expressions.js';
import { readDuration } from '../duration-reading.js';
import { addDuration, durationProblem, timerProblem } from '../durations.js';
import type { Problem } from '../errors.js';
import { describe, englishWord, kindOf, namesOf, problemMessage, type ProblemArgs, type ProblemCode } from './problem-words.js';
import type { EscalationStep, FormField, SignatureMeaning, UserTaskSpec } from '../model.js';
import type { ModdleContext, ModdleElement } from './parse.js';
import { warningProblems } from './parse.js';
import { documentationOf, formsOf, readForm, readStarters } from './validate-forms.js';

export { documentationOf } from './validate-forms.js';

/** What the engine needs to know about a process beyond what bpmn-engine reads itself. */
export interface ProcessSpec {
  key: string;
  name: string;
  businessKeyPrefix?: string;
  ownerRole?: string;
  userTasks: Map<string, UserTaskSpec>;
  /** Service task id → registered service name. */
  serviceTasks: Map<string, string>;
  /** Multi-instance activities whose count comes from an expression: checked against the start variables. */
  multiInstance?: MultiInstanceSpec[];
  /** What a record of it is for, in a line: the start event's documentation (shown where a person picks what to start). */
  description?: string;
  /** The id of the process's start event (the start form's messages are `<key>.<startEvent>.field.…`). */
  startEvent?: string;
  /** The start event's ims:form: what a person gives to start a record (its values become the record's variables). */
  startForm: FormField[];
  /**
   * ims:starters: the roles that may start a record by hand (default the owner role); empty: only the system
   * does; absent: a file naming neither starters nor an owner (drawn before starters existed): anyone signed in.
   */
  starters?: string[];
}

export interface MultiInstanceSpec {
  elementId: string;
  /** `loopCardinality` or `ims:collection`: which attribute decides how many iterations run. */
  source: 'loopCardinality' | 'collection';
  expression: string;
}

/**
 * The most iterations one multi-instance activity may have (parallel ones are all open at once). A literal
 * cardinality above it is refused at deployment; one from a variable at the start (400) or at run time (an
 * incident). Iterations open inside one synchronous step: measured here, 200 hold the event loop for
 * ~75 ms, 1,000 for 300–500 ms, 200,000 for minutes. The largest shipped list (a gap analysis of every
 * clause of the catalogue) has 69.
 */
export const MAX_OPEN_ITERATIONS = 200;

export interface ValidationOptions {
  /** Names of the services registered with this engine. */
  services: ReadonlySet<string>;
  /**
   * The field types the packs handed over bring (ProcessPack.fieldTypes), by name: a form may use them
   * besides the built-in ones. `any`: every well-formed name, for versions deployed already (compiled to
   * run or read), whose records stay readable when the pack that brought a type is no longer handed over.
   */
  fieldTypes?: ReadonlySet<string> | 'any';
}

export { FIELD_TYPES } from './form-fields.js';
export const SIGNATURE_MEANINGS: readonly SignatureMeaning[] = ['authored', 'reviewed', 'approved', 'verified'];

/** Flow elements imsflow runs correctly, with what makes them acceptable. */
const SUPPORTED_FLOW_ELEMENTS = new Set([
  'bpmn:StartEvent',
  'bpmn:EndEvent',
  'bpmn:IntermediateCatchEvent',
  'bpmn:IntermediateThrowEvent',
  'bpmn:BoundaryEvent',
  'bpmn:UserTask',
  'bpmn:ServiceTask',
  'bpmn:Task',
  'bpmn:ExclusiveGateway',
  'bpmn:ParallelGateway',
  'bpmn:InclusiveGateway',
  'bpmn:SubProcess',
  'bpmn:SequenceFlow',
  'bpmn:DataObject',
  'bpmn:DataObjectReference',
  'bpmn:DataStoreReference',
]);

/** Why imsflow does not run an element type, and what to draw instead: the end of "The script task “X” cannot run in imsflow: …" (messages problem.advice.*). */
const UNSUPPORTED_REASONS: Record<string, string> = Object.fromEntries(
  ['ScriptTask', 'CallActivity', 'SendTask', 'ReceiveTask', 'ManualTask', 'BusinessRuleTask', 'EventBasedGateway', 'ComplexGateway', 'Transaction', 'AdHocSubProcess'].map((type) => [
    `bpmn:${type}`,
    englishWord(`problem.advice.${type.charAt(0).toLowerCase()}${type.slice(1)}`),
  ]),
);

/** Which triggers each event may have: the end of "The message start event “X” is not supported: …". */
const EVENT_ADVICE: Record<string, string> = Object.fromEntries(
  ['StartEvent', 'EndEvent', 'IntermediateCatchEvent', 'IntermediateThrowEvent', 'BoundaryEvent'].map((type) => [`bpmn:${type}`, englishWord(`problem.advice.${type.charAt(0).toLowerCase()}${type.slice(1)}`)]),
);

/** The words of the problem args stay English (the API's args); problem-language.ts says them in the reader's language. */
const TIMER_KINDS = { timeDuration: englishWord('problem.word.duration'), timeDate: englishWord('problem.word.date'), timeCycle: englishWord('problem.word.cycle') } as const;
const DURATION_FIELDS = { due: englishWord('problem.word.due'), remindBefore: englishWord('problem.word.remindBefore'), remindEvery: englishWord('problem.word.remindEvery') } as const;

const EVENT_DEFINITIONS_ALLOWED: Record<string, Set<string>> = {
  'bpmn:StartEvent': new Set(),
  'bpmn:EndEvent': new Set(['bpmn:TerminateEventDefinition', 'bpmn:ErrorEventDefinition']),
  'bpmn:IntermediateCatchEvent': new Set(['bpmn:TimerEventDefinition']),
  'bpmn:IntermediateThrowEvent': new Set(),
  'bpmn:BoundaryEvent': new Set(['bpmn:TimerEventDefinition', 'bpmn:ErrorEventDefinition']),
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Durations are compared by adding them to one fixed date. */
const ORDER_REFERENCE = new Date('2026-01-01T00:00:00Z');

/**
 * How long a valid duration lasts from one fixed date (calendar-aware), for order checks here and in the
 * modeler's panel; undefined when the value is not a positive duration.
 */
export function durationLength(value: string | undefined): number | undefined {
  const text = value?.trim();
  if (!text || durationProblem(text)) return undefined;
  return addDuration(text, ORDER_REFERENCE).getTime() - ORDER_REFERENCE.getTime();
}

/**
 * Checks a parsed definition against every rule the engine relies on, and reads the process spec.
 * The same function backs deployment (server) and the modeler's problems panel, so the two never disagree.
 */
export function validateDefinition(context: ModdleContext, options: ValidationOptions): { spec?: ProcessSpec; problems: Problem[] } {
  const problems: Problem[] = [...warningProblems(context)];
  const report: Report = (element, code, extra = {}) => {
    const args: ProblemArgs = { ...(typeof element === 'string' ? { kind: 'file' } : describe(element)), ...extra };
    problems.push({ element: typeof element === 'string' ? element : element.id || element.$type, message: problemMessage(code, args), code, args });
  };

  const definitions = context.rootElement;
  const roots = (definitions.rootElements ?? []) as ModdleElement[];
  const processes = roots.filter((e) => e.$type === 'bpmn:Process');
  const executable = processes.filter((p) => p.isExecutable);
  if (executable.length !== 1) {
    report('definitions', 'one-executable-process', { count: executable.length, names: namesOf(executable) });
    // Still say what in them imsflow could not run: a file from another tool learns everything at once.
    for (const candidate of executable.length ? executable : processes) {
      if (!(candidate.flowElements ?? []).length) continue;
      const scratch: ProcessSpec = { key: candidate.id ?? '', name: candidate.name ?? '', userTasks: new Map(), serviceTasks: new Map(), startForm: [] };
      checkScope(candidate, true, scratch, options, report);
    }
    return { problems };
  }
  const process = executable[0];
  if (!process.id || !IDENTIFIER.test(process.id.replace(/-/g, '_'))) {
    report(process, 'process-key');
  }

  const spec: ProcessSpec = {
    key: process.id!,
    name: process.name ?? process.id!,
    businessKeyPrefix: process.businessKeyPrefix,
    ownerRole: process.ownerRole,
    userTasks: new Map(),
    serviceTasks: new Map(),
    startForm: [],
  };
  const starters = readStarters(process, report);
  if (starters) spec.starters = starters;
  if (spec.businessKeyPrefix !== undefined && !/^[A-Z][A-Z0-9]{0,9}$/.test(spec.businessKeyPrefix)) {
    report(process, 'record-prefix', { value: spec.businessKeyPrefix });
  }

  checkScope(process, true, spec, options, report);
  checkSeparationOfDuties(process, spec, report);
  // Other pools are documentation only: they may hold no flow, since bpmn-engine would run it unchecked.
  for (const other of processes) {
    if (other !== process && (other.flowElements ?? []).length > 0) {
      report(other, 'other-pool-has-steps');
    }
  }
  for (const collaboration of roots.filter((e) => e.$type === 'bpmn:Collaboration')) {
    for (const flow of (collaboration.messageFlows ?? []) as ModdleElement[]) {
      report(flow, 'message-flow');
    }
  }
  checkAllExpressions(definitions, report);
  return { spec, problems };
}

/** Reports a problem of an element (or of the file, 'definitions'), by code; its kind and name are added. */
export type Report = (element: ModdleElement | string, code: ProblemCode, args?: Record<string, string | number>) => void;

/** Checks the flow elements of a process or an embedded sub-process. */
function checkScope(scope: ModdleElement, isProcess: boolean, spec: ProcessSpec, options: ValidationOptions, report: Report): void {
  const elements = (scope.flowElements ?? []) as ModdleElement[];
  const starts = elements.filter((e) => e.$type === 'bpmn:StartEvent');
  if (starts.length !== 1) {
    report(scope, 'one-start-event', { count: starts.length });
  }
  if (scope.triggeredByEvent) report(scope, 'event-sub-process');
  // Flows are read from sourceRef/targetRef: <incoming>/<outgoing> children are optional in BPMN XML.
  const flows = elements.filter((e) => e.$type === 'bpmn:SequenceFlow');
  const outgoing = (element: ModdleElement) => flows.filter((f) => f.sourceRef === element);
  const incoming = (element: ModdleElement) => flows.filter((f) => f.targetRef === element);

  checkLoopsWait(elements, flows, report);

  for (const element of elements) {
    const type = element.$type;
    if (!element.id) report(element, 'no-id');
    if (UNSUPPORTED_REASONS[type]) {
      report(element, 'unsupported', { advice: UNSUPPORTED_REASONS[type] });
      continue;
    }
    if (!SUPPORTED_FLOW_ELEMENTS.has(type)) {
      report(element, 'unsupported', { advice: englishWord('problem.advice.anyElement') });
      continue;
    }
    checkEventDefinitions(element, report);
    checkLoop(element, spec, report);
    if (!isProcess && element.loopCharacteristics) {
      // its iterations are not found inside a sub-process: the engine would go past the task without opening it
      report(element, 'multi-instance-in-sub-process');
    }
    switch (type) {
      case 'bpmn:UserTask':
        spec.userTasks.set(element.id!, readUserTask(element, report, options.fieldTypes));
        break;
      case 'bpmn:ServiceTask':
        checkServiceTask(element, options, spec, report);
        break;
      case 'bpmn:InclusiveGateway':
        if (incoming(element).length > 1) {
          report(element, 'inclusive-join');
        }
        checkSplit(element, outgoing(element), report);
        break;
      case 'bpmn:ExclusiveGateway':
        checkSplit(element, outgoing(element), report);
        break;
      case 'bpmn:ParallelGateway':
        if (incoming(element).length > 1) checkParallelJoin(element, incoming, report);
        break;
      case 'bpmn:SequenceFlow':
        checkCondition(element, report);
        break;
      case 'bpmn:SubProcess':
        checkScope(element, false, spec, options, report);
        break;
      case 'bpmn:StartEvent':
        if ((element.eventDefinitions ?? []).length) report(element, 'trigger-not-supported', { advice: EVENT_ADVICE['bpmn:StartEvent']! });
        // the process's start form; a sub-process starts with the data it already has
        if (isProcess) {
          spec.startForm = readForm(element, report, options.fieldTypes);
          if (element.id) spec.startEvent = element.id;
          const about = documentationOf(element);
          if (about) spec.description = about;
        }
        else if (formsOf(element).length) report(element, 'sub-process-start-form');
        break;
    }
  }
}

/** Elements where a token stops until a person or a timer moves it on. */
function isWaitState(element: ModdleElement): boolean {
  return element.$type === 'bpmn:UserTask' || (element.$type === 'bpmn:IntermediateCatchEvent' && (element.eventDefinitions ?? []).length > 0);
}

/**
 * A loop of sequence flows with no wait state in it would run forever inside one step and stall the
 * server: reject it. Finds cycles among the non-waiting elements with a depth-first search.
 */
function checkLoopsWait(elements: ModdleElement[], flows: ModdleElement[], report: Report): void {
  const next = new Map<ModdleElement, ModdleElement[]>();
  for (const flow of flows) {
    const source = flow.sourceRef as ModdleElement | undefined;
    const target = flow.targetRef as ModdleElement | undefined;
    if (!source || !target || isWaitState(source) || isWaitState(target)) continue;
    next.set(source, [...(next.get(source) ?? []), target]);
  }
  const state = new Map<ModdleElement, 'visiting' | 'done'>();
  const reported = new Set<ModdleElement>();
  const visit = (node: ModdleElement): void => {
    state.set(node, 'visiting');
    for (const target of next.get(node) ?? []) {
      const seen = state.get(target);
      if (seen === 'visiting' && !reported.has(target)) {
        reported.add(target);
        report(target, 'loop-runs-forever');
      } else if (!seen) {
        visit(target);
      }
    }
    state.set(node, 'done');
  };
  for (const element of elements) if (!state.has(element) && element.$type !== 'bpmn:SequenceFlow') visit(element);
}

function checkEventDefinitions(element: ModdleElement, report: Report): void {
  const allowed = EVENT_DEFINITIONS_ALLOWED[element.$type];
  const definitions = (element.eventDefinitions ?? []) as ModdleElement[];
  if (!allowed) return;
  if (definitions.length > 1) report(element, 'several-triggers');
  for (const definition of definitions) {
    if (!allowed.has(definition.$type)) {
      report(element, 'trigger-not-supported', { advice: EVENT_ADVICE[element.$type] ?? englishWord('problem.advice.anyEvent') });
      continue;
    }
    if (definition.$type === 'bpmn:TimerEventDefinition') checkTimer(element, definition, report);
  }
  if (element.$type === 'bpmn:IntermediateCatchEvent' && definitions.length === 0) {
    report(element, 'event-waits-for-nothing');
  }
}

function checkTimer(element: ModdleElement, definition: ModdleElement, report: Report): void {
  const kinds = (['timeDuration', 'timeDate', 'timeCycle'] as const).filter((k) => definition[k]);
  if (kinds.length !== 1) {
    report(element, 'timer-one-kind');
    return;
  }
  const kind = kinds[0];
  const value = String(definition[kind].body ?? '').trim();
  if (!value) {
    report(element, 'timer-empty', { what: TIMER_KINDS[kind] });
    return;
  }
  if (hasExpression(value)) return; // checked with every other expression; the value is checked when it runs
  const problem = timerProblem(kind, value);
  if (problem) report(element, 'timer-invalid', { reason: problem });
}

function checkLoop(element: ModdleElement, spec: ProcessSpec, report: Report): void {
  const loop = element.loopCharacteristics as ModdleElement | undefined;
  if (!loop) return;
  if (loop.$type !== 'bpmn:MultiInstanceLoopCharacteristics') {
    report(element, 'standard-loop');
    return;
  }
  if (!loop.collection && !loop.loopCardinality) {
    report(element, 'multi-instance-items');
  }
  if (loop.collection && !/^\$\{[^}]+\}$/.test(loop.collection)) {
    report(element, 'multi-instance-list');
  } else if (loop.collection) {
    (spec.multiInstance ??= []).push({ elementId: element.id!, source: 'collection', expression: loop.collection });
  }
  if (!loop.loopCardinality) return;
  const cardinality: string = String(loop.loopCardinality.body ?? '').trim();
  if (cardinality.includes('${')) {
    (spec.multiInstance ??= []).push({ elementId: element.id!, source: 'loopCardinality', expression: cardinality });
    return;
  }
  const count = cardinality === '' ? NaN : Number(cardinality);
  if (!Number.isInteger(count) || count < 0) {
    report(element, 'multi-instance-count', { value: cardinality.slice(0, 40) });
  } else if (count > MAX_OPEN_ITERATIONS) {
    report(element, 'multi-instance-limit', { value: cardinality.slice(0, 40), limit: MAX_OPEN_ITERATIONS });
  }
}

function checkServiceTask(element: ModdleElement, options: ValidationOptions, spec: ProcessSpec, report: Report): void {
  if (element.implementation || element.$attrs?.['camunda:expression'] || element.$attrs?.['camunda:class']) {
    report(element, 'service-implementation');
  }
  const service: string | undefined = element.service;
  if (!service) {
    report(element, 'service-missing');
    return;
  }
  if (!options.services.has(service)) {
    const known = [...options.services].sort().join(', ') || 'none';
    report(element, 'service-unknown', { service, known });
    return;
  }
  spec.serviceTasks.set(element.id!, service);
}

function checkSplit(gateway: ModdleElement, outgoing: ModdleElement[], report: Report): void {
  if (outgoing.length < 2) return;
  const unconditioned = outgoing.filter((flow) => !flow.conditionExpression && flow !== gateway.default);
  if (unconditioned.length > 0) {
    report(gateway, 'split-needs-conditions', { flows: namesOf(unconditioned) });
  }
  if (!gateway.default) {
    report(gateway, 'split-needs-default');
  }
}

function checkCondition(flow: ModdleElement, report: Report): void {
  const condition = flow.conditionExpression as ModdleElement | undefined;
  if (!condition) return;
  if (condition.language) {
    report(flow, 'script-condition', { language: String(condition.language) });
    return;
  }
  const body = String(condition.body ?? '').trim();
  if (!/^\$\{[^}]*\}$/.test(body)) {
    report(flow, 'condition-one-expression');
  }
}

/**
 * A parallel join reached from an exclusive merge does not wait (bpmn-engine): the merge passes on the
 * branch that was not taken, the join fires before the other branches are done, and the instance then
 * hangs with nothing open. Refused, naming the merge; ending the branches in end events of their own works.
 */
function checkParallelJoin(join: ModdleElement, incoming: (element: ModdleElement) => ModdleElement[], report: Report): void {
  for (const flow of incoming(join)) {
    let at = flow.sourceRef as ModdleElement | undefined;
    for (let steps = 0; at && steps < 1000; steps += 1) {
      const into = incoming(at);
      if (at.$type === 'bpmn:ExclusiveGateway' && into.length > 1) {
        report(join, 'join-after-merge', { merge: namesOf([at]) });
        return;
      }
      if (at.$type.endsWith('Gateway') || into.length !== 1) break;
      at = into[0].sourceRef as ModdleElement | undefined;
    }
  }
}

function readUserTask(element: ModdleElement, report: Report, packTypes: ValidationOptions['fieldTypes']): UserTaskSpec {
  const spec: UserTaskSpec = {
    elementId: element.id!,
    name: element.name ?? element.id!,
    candidateRole: element.candidateRole,
    assignee: element.assignee,
    due: element.due,
    remindBefore: element.remindBefore,
    remindEvery: element.remindEvery,
    escalations: [],
    signature: element.signature,
    ...(typeof element.notBy === 'string' && { notBy: [...new Set(element.notBy.split(/[\s,]+/).filter(Boolean))] }),
    form: [],
  };
  if (!spec.candidateRole && !spec.assignee) {
    report(element, 'task-needs-holder');
  }
  for (const attribute of ['due', 'remindBefore', 'remindEvery'] as const) {
    const value = spec[attribute];
    if (value === undefined) continue;
    // a due date may come from the record (an action's date); the expression itself is checked with all others
    if (attribute === 'due' && /^\$\{[^}]*\}$/.test(value.trim())) continue;
    const problem = durationProblem(value);
    if (problem) report(element, 'duration-invalid', { field: DURATION_FIELDS[attribute], reason: problem });
  }
  // The order check the modeler's panel shows: a reminder "before the due date" must come after the task opens.
  const dueMs = durationLength(spec.due);
  const remindBeforeMs = durationLength(spec.remindBefore);
  if (dueMs !== undefined && remindBeforeMs !== undefined && remindBeforeMs >= dueMs) {
    report(element, 'reminder-after-opening', { remindBefore: readDuration(spec.remindBefore!).text, due: readDuration(spec.due!).text });
  }
  if ((spec.remindBefore || spec.remindEvery) && !spec.due) {
    report(element, 'reminder-needs-due');
  }
  if (spec.signature !== undefined && !SIGNATURE_MEANINGS.includes(spec.signature)) {
    report(element, 'signature-meaning', { value: spec.signature, allowed: SIGNATURE_MEANINGS.join(', ') });
  }

  const extensions = (element.extensionElements?.values ?? []) as ModdleElement[];
  spec.form = readForm(element, report, packTypes);

  let previousAfter = 0;
  for (const step of extensions.filter((e) => e.$type === 'ims:Escalation')) {
    const escalation: EscalationStep = { after: step.after, to: step.to, reassign: Boolean(step.reassign) };
    const problem = escalation.after ? durationProblem(escalation.after) : 'ims:escalation needs "after"';
    if (problem) {
      report(element, 'escalation-invalid', { reason: problem });
      continue;
    }
    if (!escalation.to) report(element, 'escalation-no-role');
    const afterMs = durationLength(escalation.after)!;
    if (afterMs <= previousAfter) report(element, 'escalation-order');
    previousAfter = afterMs;
    if (!spec.due) report(element, 'escalation-needs-due');
    spec.escalations.push(escalation);
  }
  return spec;
}

/**
 * ims:notBy names user tasks of the same process (any sub-process included) other than the task itself, or
 * the process's start event (whoever started the record): checked once every user task has been read, so a rule may name a task drawn after it.
 */
function checkSeparationOfDuties(process: ModdleElement, spec: ProcessSpec, report: Report): void {
  const byId = new Map<string, ModdleElement>();
  const collect = (scope: ModdleElement) => {
    for (const element of (scope.flowElements ?? []) as ModdleElement[]) {
      if (element.id) byId.set(element.id, element);
      if (element.$type === 'bpmn:SubProcess') collect(element);
    }
  };
  collect(process);
  for (const task of spec.userTasks.values()) {
    if (!task.notBy) continue;
    const self = byId.get(task.elementId)!;
    if (!task.notBy.length) report(self, 'not-by-empty');
    for (const id of task.notBy) {
      const other = byId.get(id);
      if (id === task.elementId) report(self, 'not-by-itself');
      else if (!other) report(self, 'not-by-unknown', { other: id });
      // the process's start event stands for whoever started the record (a requester may not approve their own request)
      else if (other.$type !== 'bpmn:UserTask' && !(other.$type === 'bpmn:StartEvent' && id === spec.startEvent)) report(self, 'not-by-not-a-task', { other: describe(other).name ?? id, otherKind: kindOf(other) });
    }
  }
}

/** Deeper nesting than this is no diagram anyone drew; refusing it keeps the walk below bounded. */
const MAX_DEPTH = 200;
const MAX_NODES = 50_000;
/** References point at other elements, visited where they are defined. */
const REFERENCES = new Set(['$parent', 'sourceRef', 'targetRef', 'incoming', 'outgoing', 'default', 'attachedToRef', 'bpmnElement', 'processRef', 'categoryValueRef', 'flowNodeRef']);

/**
 * Every string anywhere in the definition that contains `${` must be an allowed expression: attributes of
 * any namespace, element bodies, extension elements. Expressions hide in unexpected places (names,
 * error codes, documentation read by other tools), so nothing is skipped. Walks with an explicit stack:
 * hostile nesting must yield a problem, not a stack overflow.
 */
function checkAllExpressions(root: ModdleElement, report: Report): void {
  const seen = new Set<object>();
  const stack: { value: unknown; owner: ModdleElement; depth: number }[] = [{ value: root, owner: root, depth: 0 }];
  while (stack.length) {
    const { value, owner, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (!hasExpression(value)) continue;
      const problem = checkExpressions(value);
      if (problem) report(owner, 'expression-refused', { reason: problem });
      continue;
    }
    if (!value || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (depth > MAX_DEPTH) {
      report(owner, 'too-deep', { limit: MAX_DEPTH });
      return;
    }
    if (seen.size > MAX_NODES) {
      report('definitions', 'too-many-nodes', { limit: MAX_NODES });
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, owner, depth: depth + 1 });
      continue;
    }
    const element = value as ModdleElement;
    const nextOwner = element.$type && element.id ? element : owner;
    for (const [name, child] of Object.entries(element)) {
      if (!REFERENCES.has(name)) stack.push({ value: child, owner: nextOwner, depth: depth + 1 });
    }
    if (element.$attrs) for (const attr of Object.values(element.$attrs)) stack.push({ value: attr, owner: nextOwner, depth: depth + 1 });
  }
}
