import { IntlMessageFormat } from 'intl-messageformat';
import { languageOf, type Language } from '../i18n/locales.js';
import type { ModdleElement } from './parse.js';
import EN from './messages/en/problem.json' with { type: 'json' };

/**
 * The problems of a BPMN definition in a process owner's words (issue 15): each problem has a stable
 * `code` and `args` (the element's kind and name plus what the sentence needs), and its message is made
 * from both, naming the element by what was drawn ("the task “Assess and contain”"), never by its id or by
 * BPMN/XML internals. The id stays on the problem (`element`) for the click that selects it and for the API.
 *
 * The sentences are ICU messages in messages/{en,de,fr}/problem.json (ids `problem.<code>`, element kinds
 * `problem.kind.*`). `message` is made in English here (the server and the modeler run the same rules);
 * problem-language.ts says a problem again in a reader's language from its code and args. English is
 * imported as JSON (not read from disk) because the modeler's bundle runs this file in the browser too.
 */

export interface ProblemArgs {
  /** What the person drew, in English words: "task", "exclusive gateway", "compensation throw event", "flow". */
  kind: string;
  /** The element's name as drawn; absent for an unnamed element. Never translated. */
  name?: string;
  /** For an unnamed flow: the elements it joins, worded (“Check the batch”, an end event). */
  from?: string;
  to?: string;
  [arg: string]: string | number | undefined;
}

/** Formats one message of the problem catalogue: `say('problem.kind.task')` → "task". */
export type Say = (id: string, values?: Record<string, string | number>) => string;

/** Problem messages of one language: id → ICU text (messages/<language>/problem.json). */
export type ProblemMessages = Readonly<Record<string, string>>;

const sayers = new WeakMap<ProblemMessages, Map<Language, Say>>();

/**
 * The problem messages of a locale's language, given by the caller (English where one is missing): the
 * server reads them from disk (problem-catalogue.ts), the modeler's page hands them to its bundle, which
 * carries English alone (the editor's size budget). Formatted by intl-messageformat, FormatJS's formatter
 * (the same as @formatjs/intl uses, without the rest of it: the editor's bundle stays small).
 */
export function problemSayer(locale: string, messages: ProblemMessages = EN): Say {
  const language: Language = languageOf(locale);
  let known = sayers.get(messages);
  if (!known) sayers.set(messages, (known = new Map()));
  let say = known.get(language);
  if (!say) {
    const formats = new Map<string, IntlMessageFormat>();
    const formatOf = (id: string): IntlMessageFormat | undefined => {
      let format = formats.get(id);
      if (!format) {
        // A missing or broken message falls back to English (test/kernel/i18n.test.ts keeps the three complete).
        for (const [text, lang] of [[messages[id], language], [(EN as ProblemMessages)[id], 'en']] as const) {
          if (text === undefined) continue;
          try {
            format = new IntlMessageFormat(text, lang);
            break;
          } catch {
            // unparsable: try English
          }
        }
        if (format) formats.set(id, format);
      }
      return format;
    };
    say = (id, values) => {
      const format = formatOf(id);
      return format ? String(format.format(values)) : id;
    };
    known.set(language, say);
  }
  return say;
}

const english = problemSayer('en');
/** An English word or phrase of the catalogue, for args that stay English on the problem (`advice`, `what`). */
export const englishWord = (id: string): string => english(id);

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "the task “Assess and contain”", "the flow from “Check” to “Done”", "a task without a name". */
export function subjectOf(args: ProblemArgs, say: Say = english, kindIn: (english: string) => string = (k) => k, endIn: (english: string) => string = (e) => e): string {
  if (args.name) return say('problem.subject.named', { kind: kindIn(args.kind), name: args.name });
  if (args.kind === 'flow' && args.from && args.to) return say('problem.subject.flow', { from: endIn(args.from), to: endIn(args.to) });
  if (args.kind === 'file') return say('problem.subject.file');
  return say('problem.subject.unnamed', { article: article(args.kind), kind: kindIn(args.kind) });
}

/** An element kind as the catalogue says it: a message id (plus a trigger), or words for a type it lacks. */
export type Kind = { id: string; trigger?: string; inner?: Kind } | { words: string };

const KINDS: Record<string, string> = {
  'bpmn:UserTask': 'task',
  'bpmn:Task': 'task',
  'bpmn:SequenceFlow': 'flow',
  'bpmn:Definitions': 'file',
  'bpmn:Participant': 'pool',
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

const known = (id: string) => `problem.kind.${id}` in EN;

/** What an element is, as a catalogue entry: "service task", "timer event", "compensation throw event". */
export function kindRefOf(element: ModdleElement): Kind {
  const type = element.$type;
  if (KINDS[type]) return { id: KINDS[type] };
  const local = type.replace(/^[a-z]+:/, '');
  const id = local.charAt(0).toLowerCase() + local.slice(1);
  const plain: Kind = known(id) ? { id } : { words: local.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() };
  if (!type.endsWith('Event')) return plain;
  const definitions = (element.eventDefinitions ?? []) as ModdleElement[];
  const trigger = definitions.length === 1 ? TRIGGERS[definitions[0]!.$type] : definitions.length > 1 ? 'multiple' : undefined;
  switch (type) {
    case 'bpmn:IntermediateThrowEvent':
      return trigger ? { id: 'throwEventWith', trigger } : { id: 'intermediateEvent' };
    case 'bpmn:IntermediateCatchEvent':
      return trigger ? { id: 'catchEventWith', trigger } : { id: 'intermediateEvent' };
    case 'bpmn:BoundaryEvent':
      return trigger ? { id: 'boundaryEventWith', trigger } : { id: 'boundaryEvent' };
    default:
      return trigger ? { id: 'withTrigger', trigger, inner: plain } : plain;
  }
}

/** A kind in the language of `say`. */
export function sayKind(kind: Kind, say: Say): string {
  if ('words' in kind) return kind.words;
  const values: Record<string, string> = {};
  if (kind.trigger) values.trigger = say(`problem.trigger.${kind.trigger}`);
  if (kind.inner) values.kind = sayKind(kind.inner, say);
  return say(`problem.kind.${kind.id}`, values);
}

/** What an element is, in English words as the palette shows it: "service task", "timer event". */
export function kindOf(element: ModdleElement): string {
  return sayKind(kindRefOf(element), english);
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
      const [from, to] = ends.map((end) => {
        const endName = nameOf(end);
        if (endName) return english('problem.subject.quoted', { name: endName });
        const kind = kindOf(end!);
        return english('problem.subject.end', { article: article(kind), kind });
      });
      Object.assign(args, { from, to });
    }
  }
  return args;
}

type ProblemId = Extract<keyof typeof EN, `problem.${string}`>;
/** The codes of problems: the catalogue's `problem.<code>` ids (helper messages have a dot in the code). */
export type ProblemCode = ProblemId extends `problem.${infer C}` ? (C extends `${string}.${string}` ? never : C) : never;

/** The one fixed piece of syntax a sentence shows (ICU would read `<field key>` as a tag). */
const RULE_SYNTAX = '<field key>=<value>[|<value>…]';

/** A problem's sentence from its code and the values its message takes (`subject` already worded), starting with a capital. */
export function formatSentence(code: string, values: Record<string, string | number>, say: Say): string {
  return capital(say(`problem.${code}`, { ...values, syntax: RULE_SYNTAX }));
}

/** The args as message values: text, except `count` (a plural needs a number). */
export function valuesOf(args: ProblemArgs): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(args)) if (value !== undefined) values[key] = key === 'count' ? value : String(value);
  return values;
}

/** The sentence for a problem in English: its code's words, with the element named by kind and name, starting with a capital. */
export function problemMessage(code: ProblemCode, args: ProblemArgs): string {
  return formatSentence(code, { ...valuesOf(args), subject: subjectOf(args) }, english);
}

/** Whether the catalogue has a sentence for a code (problems of parse failures and limits may have none). */
export const isProblemCode = (code: string | undefined): code is ProblemCode => Boolean(code) && `problem.${code}` in EN && !code!.includes('.');

/** "the flow “Yes”, the flow from “A” to “B” and 2 flows without a name": elements listed by name, the unnamed counted. */
export function namesOf(elements: ModdleElement[]): string {
  const worded = elements.map((element) => describe(element));
  const named = worded.filter((args) => args.name || args.from).map((args) => subjectOf(args));
  const unnamed = worded.filter((args) => !args.name && !args.from);
  if (unnamed.length === 1) named.push(subjectOf(unnamed[0]!));
  else if (unnamed.length > 1) {
    const kinds = new Set(unnamed.map((args) => args.kind));
    named.push(kinds.size === 1 ? english('problem.subject.unnamedOfKind', { count: unnamed.length, kind: unnamed[0]!.kind }) : english('problem.subject.unnamedElements', { count: unnamed.length }));
  }
  return listIn('en', named);
}

/** "A, B and C" in a language (English without the serial comma, as the sentences always were). */
export function listIn(locale: string, items: string[]): string {
  const language = languageOf(locale);
  return new Intl.ListFormat(language === 'en' ? 'en-GB' : language, { type: 'conjunction' }).format(items);
}

/** The English words of the catalogue (kinds, advice, words) back to their message: how a problem's args are translated. */
export const ENGLISH_MESSAGES: Readonly<Record<string, string>> = EN;
