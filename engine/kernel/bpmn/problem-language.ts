import { languageOf } from '../i18n/locales.js';
import { ENGLISH_MESSAGES, englishWord, formatSentence, isProblemCode, listIn, problemSayer, sayKind, subjectOf, valuesOf, type Kind, type ProblemArgs, type ProblemMessages, type Say } from './problem-words.js';

/**
 * A problem said in the reader's language (issue 15). A problem carries its `code` and `args`; the args
 * hold the element's name as drawn (never translated) and, for kinds and a few fixed words, the English
 * words of the catalogue (so the API's args and the English sentence stay as they were). Here those English
 * words are looked up again in the catalogue (messages/en/problem.json) and said in the reader's language:
 * a kind ("timer event on the edge of a task"), a list of elements, a duration ("20 days"), advice. Values
 * that are data (form field keys, service names, a rule as written) pass through unchanged; a reason that
 * comes from elsewhere (a duration or expression parser) stays English.
 */

/** Args that are English words of the catalogue (advice, words), per code; other args of that name are data. */
const WORD_ARGS: Record<string, string[]> = {
  unsupported: ['advice'],
  'trigger-not-supported': ['advice'],
  'timer-empty': ['what'],
  'duration-invalid': ['field'],
};
/** Args that list elements ("the flow “Yes” and 2 flows without a name"). */
const LIST_ARGS = ['flows', 'merge', 'names'];
/** Args that are durations said in English ("1 year and 2 months"). */
const DURATION_ARGS = ['remindBefore', 'due'];

let kindsByWords: Map<string, Kind> | undefined;
let idsByWords: Map<string, string> | undefined;

/** English kind words → the kind they were said from (every kind the catalogue can say). */
function kinds(): Map<string, Kind> {
  if (kindsByWords) return kindsByWords;
  const map = new Map<string, Kind>();
  const english = problemSayer('en');
  const ids = Object.keys(ENGLISH_MESSAGES).filter((id) => id.startsWith('problem.kind.')).map((id) => id.slice('problem.kind.'.length));
  const triggers = Object.keys(ENGLISH_MESSAGES).filter((id) => id.startsWith('problem.trigger.')).map((id) => id.slice('problem.trigger.'.length));
  for (const trigger of triggers) {
    for (const id of ['throwEventWith', 'catchEventWith', 'boundaryEventWith']) map.set(sayKind({ id, trigger }, english), { id, trigger });
    for (const inner of ['startEvent', 'endEvent']) map.set(sayKind({ id: 'withTrigger', trigger, inner: { id: inner } }, english), { id: 'withTrigger', trigger, inner: { id: inner } });
  }
  for (const id of ids) if (!ENGLISH_MESSAGES[`problem.kind.${id}`]!.includes('{')) map.set(ENGLISH_MESSAGES[`problem.kind.${id}`]!, { id });
  return (kindsByWords = map);
}

/** English advice and words → their message id. */
function words(): Map<string, string> {
  if (idsByWords) return idsByWords;
  const map = new Map<string, string>();
  for (const id of Object.keys(ENGLISH_MESSAGES)) if (id.startsWith('problem.advice.') || id.startsWith('problem.word.')) map.set(englishWord(id), id);
  return (idsByWords = map);
}

function kindIn(english: string, say: Say): string {
  const kind = kinds().get(english);
  return kind ? sayKind(kind, say) : english;
}

/** One end of an unnamed flow: “Check” or "an end event". */
function endIn(english: string, say: Say): string {
  const quoted = /^“(.*)”$/s.exec(english);
  if (quoted) return say('problem.subject.quoted', { name: quoted[1]! });
  const kind = /^an? (.+)$/s.exec(english);
  return kind ? say('problem.subject.end', { article: 'a', kind: kindIn(kind[1]!, say) }) : english;
}

/** One element of a list, said as namesOf says it in English. */
function listedIn(item: string, say: Say): string {
  const flow = /^the flow from (“.*”|an? .+?) to (“.*”|an? .+)$/s.exec(item);
  if (flow) return say('problem.subject.flow', { from: endIn(flow[1]!, say), to: endIn(flow[2]!, say) });
  const named = /^the (.+?) “(.*)”$/s.exec(item);
  if (named) return say('problem.subject.named', { kind: kindIn(named[1]!, say), name: named[2]! });
  if (item === 'the file') return say('problem.subject.file');
  const one = /^an? (.+) without a name$/s.exec(item);
  if (one) return say('problem.subject.unnamed', { article: 'a', kind: kindIn(one[1]!, say) });
  const elements = /^(\d+) elements without a name$/.exec(item);
  if (elements) return say('problem.subject.unnamedElements', { count: Number(elements[1]) });
  const many = /^(\d+) (.+)s without a name$/s.exec(item);
  if (many) return say('problem.subject.unnamedOfKind', { count: Number(many[1]), kind: kindIn(many[2]!, say) });
  return item;
}

/** "the flow “Yes”, a task without a name and 2 flows without a name" → the same list in the reader's language. */
function sayList(english: string, say: Say, locale: string): string {
  const items = english.split(/(?:, | and )(?=the |an? |\d+ )/);
  return listIn(locale, items.map((item) => listedIn(item, say)));
}

const UNITS = new Set(['year', 'month', 'week', 'day', 'hour', 'minute', 'second']);

/** "1 year and 2 months" → "1 Jahr und 2 Monate"; as it stands when it is not such a duration (also the modeler panel's reading). */
export function durationIn(english: string, locale: string): string {
  if (languageOf(locale) === 'en') return english;
  const parts = english.split(/, | and /).map((part) => /^(\d+(?:[.,]\d+)?) ([a-z]+?)s?$/.exec(part));
  if (!parts.every((part) => part && UNITS.has(part[2]!))) return english;
  const language = languageOf(locale);
  return listIn(
    locale,
    parts.map((part) => new Intl.NumberFormat(language, { style: 'unit', unit: part![2]!, unitDisplay: 'long' }).format(Number(part![1]!.replace(',', '.')))),
  );
}

/** The values of a problem's message in the reader's language: the subject and the worded args said again. */
export function localizedArgs(code: string, args: ProblemArgs, say: Say, locale: string): Record<string, string | number> {
  const values = valuesOf(args);
  for (const key of WORD_ARGS[code] ?? []) {
    const id = typeof args[key] === 'string' ? words().get(args[key] as string) : undefined;
    if (id) values[key] = say(id);
  }
  for (const key of LIST_ARGS) if (typeof args[key] === 'string' && args[key]) values[key] = sayList(args[key] as string, say, locale);
  for (const key of DURATION_ARGS) if (typeof args[key] === 'string') values[key] = durationIn(args[key] as string, locale);
  if (typeof args.otherKind === 'string') values.otherKind = kindIn(args.otherKind, say);
  values.subject = subjectOf(
    args,
    say,
    (kind) => kindIn(kind, say),
    (end) => endIn(end, say),
  );
  return values;
}

type Said = { message: string; code?: string; args?: Record<string, string | number | undefined> };

/**
 * A problem said in a reader's language (`messages`: that language's problem messages), from its code and
 * args; its `message` as it stands in English, or when it has no code the catalogue knows (a file too large
 * to check).
 */
export function problemIn(problem: Said, locale: string, messages: ProblemMessages): string {
  if (!isProblemCode(problem.code) || !problem.args || typeof problem.args.kind !== 'string' || languageOf(locale) === 'en') return problem.message;
  const say = problemSayer(locale, messages);
  return formatSentence(problem.code, localizedArgs(problem.code, problem.args as ProblemArgs, say, locale), say);
}

/** Problems with their `message` in the reader's language (code, args and element unchanged). */
export function problemsIn<P extends Said>(problems: P[], locale: string, messages: ProblemMessages): P[] {
  return languageOf(locale) === 'en' ? problems : problems.map((problem) => ({ ...problem, message: problemIn(problem, locale, messages) }));
}
