import { checkExpressions, hasExpression } from '../expressions.js';
import { addDuration, durationProblem, timerProblem } from '../durations.js';
import type { Problem } from '../errors.js';
import type { EscalationStep, FieldType, FormField, SignatureMeaning, UserTaskSpec } from '../model.js';
import type { ModdleContext, ModdleElement } from './parse.js';
import { warningProblems } from './parse.js';

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
}

export const FIELD_TYPES: readonly FieldType[] = ['text', 'longtext', 'number', 'date', 'select', 'checkbox', 'person', 'file', 'checklist', 'clauses'];
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

const UNSUPPORTED_REASONS: Record<string, string> = {
  'bpmn:ScriptTask': 'script tasks are not allowed: scripts in a BPMN file would run with the server\'s rights; use a service task with a registered service',
  'bpmn:CallActivity': 'call activities are not supported: start the other process from a service task',
  'bpmn:SendTask': 'send tasks are not supported: use a service task with a registered service',
  'bpmn:ReceiveTask': 'receive tasks are not supported: use a user task',
  'bpmn:ManualTask': 'manual tasks would wait for nobody: use a user task (someone confirms it was done) or a plain task',
  'bpmn:BusinessRuleTask': 'business rule tasks are not supported: use a service task with a registered service',
  'bpmn:EventBasedGateway': 'event-based gateways are not supported',
  'bpmn:ComplexGateway': 'complex gateways are not supported',
  'bpmn:Transaction': 'transactions are not supported',
  'bpmn:AdHocSubProcess': 'ad-hoc sub-processes are not supported',
};

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
  const report = (element: ModdleElement | string, message: string) =>
    problems.push({ element: typeof element === 'string' ? element : element.id || element.$type, message });

  const definitions = context.rootElement;
  const roots = (definitions.rootElements ?? []) as ModdleElement[];
  const processes = roots.filter((e) => e.$type === 'bpmn:Process');
  const executable = processes.filter((p) => p.isExecutable);
  if (executable.length !== 1) {
    const found = executable.length === 0 ? 'none is' : `${executable.length} are (${executable.map((p) => p.id).join(', ')})`;
    report('definitions', `exactly one process must be marked executable (isExecutable="true"); ${found}`);
    // Still say what in them imsflow could not run: a file from another tool learns everything at once.
    for (const candidate of executable.length ? executable : processes) {
      if (!(candidate.flowElements ?? []).length) continue;
      const scratch: ProcessSpec = { key: candidate.id ?? '', name: candidate.name ?? '', userTasks: new Map(), serviceTasks: new Map() };
      checkScope(candidate, true, scratch, options, report);
    }
    return { problems };
  }
  const process = executable[0];
  if (!process.id || !IDENTIFIER.test(process.id.replace(/-/g, '_'))) {
    report(process, 'the process id is its key in URLs: use letters, digits, "_" and "-" only');
  }

  const spec: ProcessSpec = {
    key: process.id!,
    name: process.name ?? process.id!,
    businessKeyPrefix: process.businessKeyPrefix,
    ownerRole: process.ownerRole,
    userTasks: new Map(),
    serviceTasks: new Map(),
  };
  if (spec.businessKeyPrefix !== undefined && !/^[A-Z][A-Z0-9]{0,9}$/.test(spec.businessKeyPrefix)) {
    report(process, `ims:businessKeyPrefix "${spec.businessKeyPrefix}" must be 1–10 capital letters or digits, starting with a letter`);
  }

  checkScope(process, true, spec, options, report);
  checkSeparationOfDuties(process, spec, report);
  // Other pools are documentation only: they may hold no flow, since bpmn-engine would run it unchecked.
  for (const other of processes) {
    if (other !== process && (other.flowElements ?? []).length > 0) {
      report(other, 'only the executable process may contain flow elements: draw other participants as empty (black-box) pools');
    }
  }
  for (const collaboration of roots.filter((e) => e.$type === 'bpmn:Collaboration')) {
    for (const flow of (collaboration.messageFlows ?? []) as ModdleElement[]) {
      report(flow, 'message flows are not supported: imsflow runs one process per instance');
    }
  }
  checkAllExpressions(definitions, report);
  return { spec, problems };
}

type Report = (element: ModdleElement | string, message: string) => void;

/** Checks the flow elements of a process or an embedded sub-process. */
function checkScope(scope: ModdleElement, isProcess: boolean, spec: ProcessSpec, options: ValidationOptions, report: Report): void {
  const elements = (scope.flowElements ?? []) as ModdleElement[];
  const starts = elements.filter((e) => e.$type === 'bpmn:StartEvent');
  if (starts.length !== 1) {
    report(scope, `${isProcess ? 'the process' : 'a sub-process'} needs exactly one start event; it has ${starts.length}`);
  }
  if (scope.triggeredByEvent) report(scope, 'event sub-processes are not supported');
  // Flows are read from sourceRef/targetRef: <incoming>/<outgoing> children are optional in BPMN XML.
  const flows = elements.filter((e) => e.$type === 'bpmn:SequenceFlow');
  const outgoing = (element: ModdleElement) => flows.filter((f) => f.sourceRef === element);
  const incoming = (element: ModdleElement) => flows.filter((f) => f.targetRef === element);

  checkLoopsWait(elements, flows, report);

  for (const element of elements) {
    const type = element.$type;
    if (!element.id) report(element, `a ${type.replace('bpmn:', '')} has no id: give every element an id, so that problems, links and the audit trail can name it`);
    if (UNSUPPORTED_REASONS[type]) {
      report(element, UNSUPPORTED_REASONS[type]);
      continue;
    }
    if (!SUPPORTED_FLOW_ELEMENTS.has(type)) {
      report(element, `${type.replace('bpmn:', '')} elements cannot be executed by imsflow`);
      continue;
    }
    checkEventDefinitions(element, report);
    checkLoop(element, spec, report);
    if (!isProcess && element.loopCharacteristics) {
      // its iterations are not found inside a sub-process: the engine would go past the task without opening it
      report(element, 'a multi-instance task inside a sub-process is not supported: draw it at the process level');
    }
    switch (type) {
      case 'bpmn:UserTask':
        spec.userTasks.set(element.id!, readUserTask(element, report));
        break;
      case 'bpmn:ServiceTask':
        checkServiceTask(element, options, spec, report);
        break;
      case 'bpmn:InclusiveGateway':
        if (incoming(element).length > 1) {
          report(element, 'an inclusive gateway cannot join flows (the engine does not wait for all branches); join with a parallel gateway where every branch is taken, or redraw');
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
        if ((element.eventDefinitions ?? []).length) report(element, 'start events must be plain: scheduled starts are configured on the server');
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
        report(target, 'this element is on a loop with no user task or timer in it: the loop would run forever');
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
  if (definitions.length > 1) report(element, 'events with several event definitions are not supported');
  for (const definition of definitions) {
    if (!allowed.has(definition.$type)) {
      report(element, `${definition.$type.replace('bpmn:', '').replace('EventDefinition', '')} events are not supported on ${element.$type.replace('bpmn:', '')}`);
      continue;
    }
    if (definition.$type === 'bpmn:TimerEventDefinition') checkTimer(element, definition, report);
  }
  if (element.$type === 'bpmn:IntermediateCatchEvent' && definitions.length === 0) {
    report(element, 'an intermediate catch event needs a timer');
  }
}

function checkTimer(element: ModdleElement, definition: ModdleElement, report: Report): void {
  const kinds = (['timeDuration', 'timeDate', 'timeCycle'] as const).filter((k) => definition[k]);
  if (kinds.length !== 1) {
    report(element, 'a timer needs exactly one of timeDuration, timeDate or timeCycle');
    return;
  }
  const kind = kinds[0];
  const value = String(definition[kind].body ?? '').trim();
  if (!value) {
    report(element, `the timer's ${kind} is empty`);
    return;
  }
  if (hasExpression(value)) return; // checked with every other expression; the value is checked when it runs
  const problem = timerProblem(kind, value);
  if (problem) report(element, `invalid timer: ${problem}`);
}

function checkLoop(element: ModdleElement, spec: ProcessSpec, report: Report): void {
  const loop = element.loopCharacteristics as ModdleElement | undefined;
  if (!loop) return;
  if (loop.$type !== 'bpmn:MultiInstanceLoopCharacteristics') {
    report(element, 'standard loops are not supported: use a multi-instance marker with ims:collection');
    return;
  }
  if (!loop.collection && !loop.loopCardinality) {
    report(element, 'a multi-instance activity needs ims:collection (e.g. ${variables.actions}) or a loop cardinality');
  }
  if (loop.collection && !/^\$\{[^}]+\}$/.test(loop.collection)) {
    report(element, 'ims:collection must be one expression, such as ${variables.actions}');
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
    report(element, `the loop cardinality "${cardinality.slice(0, 40)}" must be a whole number of iterations, or one expression such as \${variables.count}`);
  } else if (count > MAX_OPEN_ITERATIONS) {
    report(element, `the loop cardinality ${cardinality.slice(0, 40)} is above the limit of ${MAX_OPEN_ITERATIONS} iterations per multi-instance activity`);
  }
}

function checkServiceTask(element: ModdleElement, options: ValidationOptions, spec: ProcessSpec, report: Report): void {
  if (element.implementation || element.$attrs?.['camunda:expression'] || element.$attrs?.['camunda:class']) {
    report(element, 'service tasks call registered services only: remove the implementation and set ims:service');
  }
  const service: string | undefined = element.service;
  if (!service) {
    report(element, 'a service task needs ims:service naming a registered service');
    return;
  }
  if (!options.services.has(service)) {
    const known = [...options.services].sort().join(', ') || 'none';
    report(element, `service "${service}" is not registered (registered: ${known})`);
    return;
  }
  spec.serviceTasks.set(element.id!, service);
}

function checkSplit(gateway: ModdleElement, outgoing: ModdleElement[], report: Report): void {
  if (outgoing.length < 2) return;
  const unconditioned = outgoing.filter((flow) => !flow.conditionExpression && flow !== gateway.default);
  if (unconditioned.length > 0) {
    report(gateway, `every outgoing flow of a splitting gateway needs a condition or must be the default flow (missing on ${unconditioned.map((f) => f.id).join(', ')})`);
  }
  if (!gateway.default) {
    report(gateway, 'a splitting gateway needs a default flow, so an instance never stops because no condition matched');
  }
}

function checkCondition(flow: ModdleElement, report: Report): void {
  const condition = flow.conditionExpression as ModdleElement | undefined;
  if (!condition) return;
  if (condition.language) {
    report(flow, `script conditions (language "${condition.language}") are not allowed: write the condition as \${...}`);
    return;
  }
  const body = String(condition.body ?? '').trim();
  if (!/^\$\{[^}]*\}$/.test(body)) {
    report(flow, 'a condition must be one expression such as ${output.review.decision == "accept"}');
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
        report(join, `this parallel join would not wait for every branch: it is reached from the exclusive merge ${at.id} (a bpmn-engine limitation); end the branches in end events of their own (the instance completes when the last one ends), or redraw`);
        return;
      }
      if (at.$type.endsWith('Gateway') || into.length !== 1) break;
      at = into[0].sourceRef as ModdleElement | undefined;
    }
  }
}

function readUserTask(element: ModdleElement, report: Report): UserTaskSpec {
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
    report(element, 'a user task needs ims:candidateRole or ims:assignee: nobody would see it');
  }
  for (const attribute of ['due', 'remindBefore', 'remindEvery'] as const) {
    const value = spec[attribute];
    if (value === undefined) continue;
    // a due date may come from the record (an action's date); the expression itself is checked with all others
    if (attribute === 'due' && /^\$\{[^}]*\}$/.test(value.trim())) continue;
    const problem = durationProblem(value);
    if (problem) report(element, `ims:${attribute}: ${problem}`);
  }
  // The order check the modeler's panel shows: a reminder "before the due date" must come after the task opens.
  const dueMs = durationLength(spec.due);
  const remindBeforeMs = durationLength(spec.remindBefore);
  if (dueMs !== undefined && remindBeforeMs !== undefined && remindBeforeMs >= dueMs) {
    report(element, `ims:remindBefore (${spec.remindBefore}) must be shorter than ims:due (${spec.due}): the reminder would come before the task is open`);
  }
  if ((spec.remindBefore || spec.remindEvery) && !spec.due) {
    report(element, 'reminders need a due date: set ims:due');
  }
  if (spec.signature !== undefined && !SIGNATURE_MEANINGS.includes(spec.signature)) {
    report(element, `ims:signature "${spec.signature}" must be one of ${SIGNATURE_MEANINGS.join(', ')}`);
  }

  const extensions = (element.extensionElements?.values ?? []) as ModdleElement[];
  const forms = extensions.filter((e) => e.$type === 'ims:Form');
  if (forms.length > 1) report(element, 'a user task may have one ims:form');
  for (const field of (forms[0]?.fields ?? []) as ModdleElement[]) {
    const read = readField(element, field, report);
    if (!read) continue;
    if (spec.form.some((f) => f.key === read.key)) report(element, `form field "${read.key}" is defined twice`);
    spec.form.push(read);
  }
  checkRequiredWhen(element, spec.form, report);

  let previousAfter = 0;
  for (const step of extensions.filter((e) => e.$type === 'ims:Escalation')) {
    const escalation: EscalationStep = { after: step.after, to: step.to, reassign: Boolean(step.reassign) };
    const problem = escalation.after ? durationProblem(escalation.after) : 'ims:escalation needs "after"';
    if (problem) {
      report(element, `escalation: ${problem}`);
      continue;
    }
    if (!escalation.to) report(element, 'escalation: "to" must name a role');
    const afterMs = durationLength(escalation.after)!;
    if (afterMs <= previousAfter) report(element, 'escalations must be listed in increasing order of "after"');
    previousAfter = afterMs;
    if (!spec.due) report(element, 'escalations need a due date: set ims:due');
    spec.escalations.push(escalation);
  }
  return spec;
}

/**
 * ims:notBy names user tasks of the same process (any sub-process included) other than the task itself:
 * checked once every user task has been read, so a rule may name a task drawn after it.
 */
function checkSeparationOfDuties(process: ModdleElement, spec: ProcessSpec, report: Report): void {
  const types = new Map<string, string>();
  const collect = (scope: ModdleElement) => {
    for (const element of (scope.flowElements ?? []) as ModdleElement[]) {
      if (element.id) types.set(element.id, element.$type);
      if (element.$type === 'bpmn:SubProcess') collect(element);
    }
  };
  collect(process);
  for (const task of spec.userTasks.values()) {
    if (!task.notBy) continue;
    if (!task.notBy.length) report(task.elementId, 'ims:notBy names no task: give the ids of the user tasks whose performers may not complete this one, or remove it');
    for (const id of task.notBy) {
      const type = types.get(id);
      if (id === task.elementId) report(task.elementId, `ims:notBy names the task itself ("${id}"): name the other user tasks whose performers may not complete this one`);
      else if (!type) report(task.elementId, `ims:notBy names "${id}", which is no element of this process: name user tasks of the same process`);
      else if (type !== 'bpmn:UserTask') report(task.elementId, `ims:notBy names "${id}" (${type.replace('bpmn:', '')}), which is not a user task: only user tasks are completed by a person`);
    }
  }
}

function readField(task: ModdleElement, field: ModdleElement, report: Report): FormField | undefined {
  const key = field.key as string | undefined;
  if (!key || !IDENTIFIER.test(key)) {
    report(task, `form field key "${key ?? ''}" must be an identifier (letters, digits, "_")`);
    return undefined;
  }
  const type = (field.type ?? 'text') as FieldType;
  if (!FIELD_TYPES.includes(type)) {
    report(task, `form field "${key}" has unknown type "${type}" (one of ${FIELD_TYPES.join(', ')})`);
    return undefined;
  }
  const options = ((field.options ?? []) as ModdleElement[]).map((o) => ({ value: String(o.value ?? ''), label: String(o.label ?? o.value ?? '') }));
  if (type === 'select' && options.length === 0) report(task, `form field "${key}" is a select without options`);
  if (type === 'checklist' && options.length === 0) report(task, `form field "${key}" is a checklist without items: list them as ims:option elements`);
  if (options.some((o) => !o.value)) report(task, `form field "${key}" has an option without a value`);
  if (new Set(options.map((o) => o.value)).size !== options.length) report(task, `form field "${key}" has two options with the same value`);
  const requiredWhen = readRequiredWhen(task, key, field.requiredWhen as string | undefined, report);
  return {
    key,
    label: field.label ?? key,
    type,
    required: Boolean(field.required),
    ...(options.length ? { options } : {}),
    ...(requiredWhen && { requiredWhen }),
  };
}

/** `fullCapa=no`, `status=na|partial|gap`: a field key, "=", one or more values separated by "|". */
function readRequiredWhen(task: ModdleElement, key: string, text: string | undefined, report: Report): FormField['requiredWhen'] {
  if (text === undefined) return undefined;
  const match = /^\s*(?:([^=\s]+)\s*)?=(.*)$/.exec(text);
  const values = match ? match[2]!.split('|').map((v) => v.trim()) : [];
  if (!match || !match[1] || !values.length || values.some((v) => !v)) {
    report(task, `form field "${key}": ims:requiredWhen "${text}" must read <field key>=<value>[|<value>…], e.g. fullCapa=no, every value non-empty`);
    return undefined;
  }
  return { field: match[1], values: [...new Set(values)] };
}

/** Types whose value compares as one string; a list or an attachment cannot be the condition. */
const CONDITION_TYPES: readonly FieldType[] = ['text', 'longtext', 'person', 'number', 'date', 'select', 'checkbox'];

/** ims:requiredWhen names another field of the same form, by a value that field can take. */
function checkRequiredWhen(task: ModdleElement, form: FormField[], report: Report): void {
  for (const field of form) {
    if (!field.requiredWhen) continue;
    const { field: otherKey, values } = field.requiredWhen;
    const other = form.find((f) => f.key === otherKey);
    const where = `form field "${field.key}": ims:requiredWhen names "${otherKey}"`;
    if (otherKey === field.key) report(task, `${where}, the field itself: name another field of the same form`);
    else if (!other) report(task, `${where}, which is no field of this form: name another field of the same form`);
    else if (!CONDITION_TYPES.includes(other.type)) report(task, `${where}, a ${other.type} field: the condition must be a field with a single value`);
    else if (other.type === 'select' && values.some((v) => !other.options?.some((o) => o.value === v))) {
      report(task, `${where} with a value that is none of its options (${(other.options ?? []).map((o) => o.value).join(', ')})`);
    } else if (other.type === 'checkbox' && values.some((v) => v !== 'true' && v !== 'false')) {
      report(task, `${where}, a checkbox: compare it with true or false`);
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
      if (problem) report(owner, problem);
      continue;
    }
    if (!value || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (depth > MAX_DEPTH) {
      report(owner, `elements are nested more than ${MAX_DEPTH} levels deep`);
      return;
    }
    if (seen.size > MAX_NODES) {
      report('definitions', `the file holds more than ${MAX_NODES} XML elements and values`);
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
