import type { ModdleElement } from './parse.js';

/**
 * The problems of a BPMN definition in a process owner's words (issue 15): each problem has a stable
 * `code` and `args` (the element's kind and name plus what the sentence needs), and its message is made
 * here from both, naming the element by what was drawn ("the task “Assess and contain”"), never by its id
 * or by BPMN/XML internals. The id stays on the problem (`element`) for the click that selects it and for
 * the API. One catalogue, so the sentences can be translated later by code.
 */

export interface ProblemArgs {
  /** What the person drew, in words: "task", "exclusive gateway", "compensation throw event", "flow". */
  kind: string;
  /** The element's name as drawn; absent for an unnamed element. */
  name?: string;
  /** For an unnamed flow: the elements it joins, worded (“Check the batch”, an end event). */
  from?: string;
  to?: string;
  [arg: string]: string | number | undefined;
}

const quoted = (text: string | number | undefined) => `“${text ?? ''}”`;
const an = (word: string) => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "the task “Assess and contain”", "the flow from “Check” to “Done”", "a task without a name". */
export function subjectOf(args: ProblemArgs): string {
  if (args.name) return `the ${args.kind} ${quoted(args.name)}`;
  if (args.kind === 'flow' && args.from && args.to) return `the flow from ${args.from} to ${args.to}`;
  if (args.kind === 'file') return 'the file';
  return `${an(args.kind)} without a name`;
}

const KINDS: Record<string, string> = {
  'bpmn:UserTask': 'task',
  'bpmn:Task': 'task',
  'bpmn:SequenceFlow': 'flow',
  'bpmn:Definitions': 'file',
  'bpmn:Participant': 'pool',
  'bpmn:SubProcess': 'sub-process',
  'bpmn:AdHocSubProcess': 'ad-hoc sub-process',
};

const TRIGGERS: Record<string, string> = {
  'bpmn:MessageEventDefinition': 'message',
  'bpmn:TimerEventDefinition': 'timer',
  'bpmn:ErrorEventDefinition': 'error',
  'bpmn:EscalationEventDefinition': 'escalation',
  'bpmn:CompensateEventDefinition': 'compensation',
  'bpmn:ConditionalEventDefinition': 'conditional',
  'bpmn:LinkEventDefinition': 'link',
  'bpmn:SignalEventDefinition': 'signal',
  'bpmn:TerminateEventDefinition': 'terminate',
  'bpmn:CancelEventDefinition': 'cancel',
};

/** What an element is, said as the palette shows it: "service task", "timer event", "compensation throw event". */
export function kindOf(element: ModdleElement): string {
  const type = element.$type;
  if (KINDS[type]) return KINDS[type];
  const words = type
    .replace(/^[a-z]+:/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  if (!type.endsWith('Event')) return words;
  const definitions = (element.eventDefinitions ?? []) as ModdleElement[];
  const trigger = definitions.length === 1 ? TRIGGERS[definitions[0]!.$type] : definitions.length > 1 ? 'multiple' : undefined;
  switch (type) {
    case 'bpmn:IntermediateThrowEvent':
      return trigger ? `${trigger} throw event` : 'intermediate event';
    case 'bpmn:IntermediateCatchEvent':
      return trigger ? `${trigger} event` : 'intermediate event';
    case 'bpmn:BoundaryEvent':
      return trigger ? `${trigger} event on the edge of a task` : 'event on the edge of a task';
    default:
      return trigger ? `${trigger} ${words}` : words;
  }
}

const nameOf = (element: ModdleElement | undefined): string | undefined => (typeof element?.name === 'string' && element.name.trim() ? element.name.trim().replace(/\s+/g, ' ') : undefined);

/** The kind and name of an element (for a flow without a name, the names of its ends). */
export function describe(element: ModdleElement): ProblemArgs {
  const args: ProblemArgs = { kind: kindOf(element) };
  const name = nameOf(element);
  if (name) args.name = name;
  else if (element.$type === 'bpmn:SequenceFlow') {
    // named by its ends when at least one of them has a name
    const ends = [element.sourceRef, element.targetRef] as (ModdleElement | undefined)[];
    if (ends.every(Boolean) && ends.some((end) => nameOf(end))) {
      const [from, to] = ends.map((end) => (nameOf(end) ? quoted(nameOf(end)) : an(kindOf(end!))));
      Object.assign(args, { from, to });
    }
  }
  return args;
}

type Say = (subject: string, args: ProblemArgs) => string;

/** Every problem imsflow reports about a drawing, by code. The subject arrives already worded ("the task “X”"). */
const CATALOGUE = {
  // ---- the file and the process
  'file-unreadable': (_, a) => `Part of the file could not be read: ${a.detail}.`,
  'one-executable-process': (_, a) =>
    `The file must hold exactly one process that imsflow runs (marked executable); ${a.count === 0 ? 'none is' : `${a.count} are (${a.names})`}.`,
  'process-key': (s) => `${s} has a key imsflow cannot use in links: use letters, digits, “_” and “-” only.`,
  'record-prefix': (s, a) => `${s} numbers its records with the prefix ${quoted(a.value)}: use 1 to 10 capital letters or digits, starting with a letter.`,
  'key-changed': (s, a) => `${s} has a new key: it must stay ${quoted(a.key)} (a new key is a new process: start a draft for it).`,
  'other-pool-has-steps': (s) => `${s} holds steps, but only the process imsflow runs may: draw other participants as empty pools.`,
  'message-flow': (s) => `${s} cannot run: imsflow runs one process per record, so messages between pools are not supported; remove it.`,
  'one-start-event': (s, a) => `${s} needs exactly one start event; it has ${a.count}.`,
  'event-sub-process': (s) => `${s} is an event sub-process, which imsflow does not support: draw it as part of the flow.`,
  'no-id': (s) => `${s} has no id: every element needs one, so that problems, links and the audit trail can name it.`,
  'too-deep': (s, a) => `${s} holds elements nested more than ${a.limit} levels deep.`,
  'too-many-nodes': (_, a) => `The file holds more than ${a.limit} XML elements and values.`,
  // ---- elements imsflow does not run
  unsupported: (s, a) => `${s} cannot run in imsflow: ${a.advice}.`,
  'several-triggers': (s) => `${s} has several triggers; imsflow runs events with one.`,
  'trigger-not-supported': (s, a) => `${s} is not supported: ${a.advice}.`,
  'event-waits-for-nothing': (s) => `${s} waits for nothing: give it a timer, or remove it.`,
  'timer-one-kind': (s) => `${s} needs exactly one of a duration, a date or a cycle.`,
  'timer-empty': (s, a) => `${s} has an empty ${a.what}: say when it fires.`,
  'timer-invalid': (s, a) => `${s} has an invalid timer: ${a.reason}.`,
  // ---- repeating tasks
  'standard-loop': (s) => `${s} repeats with a loop marker, which imsflow does not run: use the multi-instance marker with a list of items.`,
  'multi-instance-items': (s) => `${s} runs once per item but names no items: give it a list from the record (such as variables.actions) or a number of times.`,
  'multi-instance-list': (s) => `${s} must take its items from one list of the record, such as variables.actions.`,
  'multi-instance-count': (s, a) => `${s} runs ${quoted(a.value)} times: give a whole number, or one value of the record such as variables.count.`,
  'multi-instance-limit': (s, a) => `${s} runs ${a.value} times, above the limit of ${a.limit} at once.`,
  'multi-instance-in-sub-process': (s) => `${s} runs once per item inside a sub-process, which imsflow does not support: draw it at the process level.`,
  // ---- service tasks
  'service-implementation': (s) => `${s} names its own implementation, which is not allowed: service tasks call registered services only; choose one of them.`,
  'service-missing': (s) => `${s} calls no service: choose a registered service.`,
  'service-unknown': (s, a) => `${s} calls the service ${quoted(a.service)}, which is not registered (registered: ${a.known}).`,
  // ---- gateways, flows and conditions
  'inclusive-join': (s) => `${s} joins flows, but an inclusive gateway cannot join (imsflow would not wait for every branch): join with a parallel gateway where every branch is taken, or redraw.`,
  'split-needs-conditions': (s, a) => `${s} splits the flow, so every outgoing flow needs a condition or must be the default flow; missing on ${a.flows}.`,
  'split-needs-default': (s) => `${s} splits the flow and needs a default flow, so a record never stops because no condition matched.`,
  'join-after-merge': (s, a) =>
    `${s} would not wait for every branch: it is reached from ${a.merge}, which merges branches (a limitation of the engine); end the branches in end events of their own (the record completes when the last one ends), or redraw.`,
  'script-condition': (s, a) => `${s} has a condition written as a script (${a.language}): script conditions are not allowed; write the condition as one expression on the record's values.`,
  'condition-one-expression': (s) => `${s} has a condition that is not one expression: write one, such as output.review.decision == "accept".`,
  'expression-refused': (s, a) => `${s} holds an expression that is not allowed: ${a.reason}.`,
  'loop-runs-forever': (s) => `${s} is on a loop with no task or timer in it: the loop would run forever.`,
  // ---- user tasks
  'task-needs-holder': (s) => `${s} needs someone to do it: choose a role or a person.`,
  'duration-invalid': (s, a) => `${s} has an invalid ${a.field}: ${a.reason}.`,
  'reminder-after-opening': (s, a) => `${s} would remind ${a.remindBefore} before a due date only ${a.due} after it opens: the reminder must be shorter than the time to the due date.`,
  'reminder-needs-due': (s) => `${s} has reminders but no due date: set when it is due.`,
  'signature-meaning': (s, a) => `${s} asks for a signature meaning ${quoted(a.value)}: choose one of ${a.allowed}.`,
  'one-form': (s) => `${s} has more than one form: a task has one.`,
  'field-twice': (s, a) => `${s} has the form field ${quoted(a.field)} twice.`,
  'field-key': (s, a) => `${s} has a form field keyed ${quoted(a.field)}: a key is letters, digits and “_”.`,
  'field-type': (s, a) => `${s} has the form field ${quoted(a.field)} of unknown type ${quoted(a.type)} (one of ${a.types}).`,
  'field-no-options': (s, a) => `${s} has the choice field ${quoted(a.field)} without options.`,
  'field-no-items': (s, a) => `${s} has the checklist ${quoted(a.field)} without items: list them as options.`,
  'field-option-no-value': (s, a) => `${s} has an option without a value in the form field ${quoted(a.field)}.`,
  'field-option-twice': (s, a) => `${s} has two options with the same value in the form field ${quoted(a.field)}.`,
  'required-when-form': (s, a) => `${s}: the form field ${quoted(a.field)} is required when ${quoted(a.rule)}, which must read <field key>=<value>[|<value>…], e.g. fullCapa=no, every value non-empty.`,
  'required-when-self': (s, a) => `${s}: the form field ${quoted(a.field)} is required depending on itself: name another field of the same form.`,
  'required-when-unknown': (s, a) => `${s}: the form field ${quoted(a.field)} is required depending on ${quoted(a.other)}, which is no field of this form.`,
  'required-when-type': (s, a) => `${s}: the form field ${quoted(a.field)} is required depending on ${quoted(a.other)}, a ${a.type} field: name a field with a single value.`,
  'required-when-option': (s, a) => `${s}: the form field ${quoted(a.field)} is required depending on a value of ${quoted(a.other)} that is none of its options (${a.options}).`,
  'required-when-checkbox': (s, a) => `${s}: the form field ${quoted(a.field)} is required depending on the checkbox ${quoted(a.other)}: compare it with true or false.`,
  'escalation-invalid': (s, a) => `${s} has an escalation with an invalid delay: ${a.reason}.`,
  'escalation-no-role': (s) => `${s} has an escalation that names no role to escalate to.`,
  'escalation-order': (s) => `${s} lists its escalations out of order: each must come later than the one before.`,
  'escalation-needs-due': (s) => `${s} escalates but has no due date: set when it is due.`,
  'not-by-empty': (s) => `${s} names no task whose performers may not do it: choose the tasks, or remove the rule.`,
  'not-by-itself': (s) => `${s} names itself among the tasks whose performers may not do it: choose other tasks.`,
  'not-by-unknown': (s, a) => `${s} names ${quoted(a.other)} among the tasks whose performers may not do it, but this process has no such element.`,
  'not-by-not-a-task': (s, a) => `${s} names the ${a.otherKind} ${quoted(a.other)} among the tasks whose performers may not do it: only tasks are done by a person.`,
  // ---- bpmnlint rules (engine/kernel/bpmn/lint.ts)
  'not-connected': (s) => `${s} is not connected: draw a flow into it and out of it, or remove it.`,
  'implicit-start': (s) => `Nothing leads into ${s}, so it would start on its own when the process starts: connect it, or start from the start event.`,
  'implicit-end': (s) => `Nothing leads out of ${s}, so the branch would stop there unnoticed: end it in an end event.`,
  'end-event-required': (s) => `${s} has no end event: end every branch in an end event, so a finished record reads as finished.`,
  'duplicate-flows': (s) => `Two flows run between the same elements at ${s}: remove one.`,
  'implicit-split': (s) => `Several flows leave ${s} without conditions, so every one of them would be taken: split with a gateway.`,
  'conditional-flows': (s) => `${s} leaves a split without a condition: give it a condition, or make it the default flow.`,
} satisfies Record<string, Say>;

export type ProblemCode = keyof typeof CATALOGUE;

/** The sentence for a problem: its code's words, with the element named by kind and name, starting with a capital. */
export function problemMessage(code: ProblemCode, args: ProblemArgs): string {
  return capital(CATALOGUE[code](subjectOf(args), args));
}

/** "the flow “Yes”, the flow from “A” to “B” and 2 flows without a name": elements listed by name, the unnamed counted. */
export function namesOf(elements: ModdleElement[]): string {
  const worded = elements.map((element) => describe(element));
  const named = worded.filter((args) => args.name || args.from).map(subjectOf);
  const unnamed = worded.filter((args) => !args.name && !args.from);
  if (unnamed.length === 1) named.push(subjectOf(unnamed[0]!));
  else if (unnamed.length > 1) {
    const kinds = new Set(unnamed.map((args) => args.kind));
    named.push(`${unnamed.length} ${kinds.size === 1 ? `${unnamed[0]!.kind}s` : 'elements'} without a name`);
  }
  return named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named.at(-1)}` : (named[0] ?? '');
}
