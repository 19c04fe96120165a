import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CheckPool } from '../../../engine/kernel/bpmn/check-pool.js';
import { InvalidDefinitionError, TooCostlyError, TooLargeError } from '../../../engine/kernel/errors.js';
import { registerImsServices } from '../../../processes/index.js';
import { shippedCatalogue, shippedProcesses } from '../../../processes/index.js';
import { count, expand, oddText, type Piece, type Recipe } from '../recipe.js';
import { blur, demand, FuzzFinding, type FuzzTarget } from '../target.js';

/**
 * engine/kernel/bpmn/lint.ts checkDefinition (parse + validate + lint), as deployment, draft import, autosave and
 * the modeler's problems panel run it. Inputs are the shipped processes and the hostile baseline with
 * mutations: `${` in attribute values, deep nesting, huge counts of elements, odd unicode, swapped element
 * types, broken XML. Demands: it answers with problems, or throws InvalidDefinitionError/TooLargeError;
 * every problem names an element and says something; it never hangs (the runner's watchdog).
 */

const BASELINE = readFileSync(new URL('../../fixtures/hostile/baseline.bpmn', import.meta.url), 'utf8');
const BASES = [BASELINE, ...shippedProcesses().map((p) => p.xml)];
let services: ReadonlySet<string> | undefined;
const registered = () => (services ??= registerImsServices({ catalogue: shippedCatalogue() }).names());
/**
 * The server's path for an untrusted file: the check pool, with its time and memory budget. Files that
 * bpmn-moddle parses in quadratic time (thousands of elements it cannot place: saxen recounts the lines read
 * so far for every warning) cannot be made cheap from outside the library, so the demand is the server's:
 * an answer, or a TooCostlyError within the budget, never a stall. The runner's worker thread owns this pool
 * and ends it when it is terminated.
 */
let pool: CheckPool | undefined;

const TAGS = ['bpmn:userTask', 'bpmn:serviceTask', 'bpmn:startEvent', 'bpmn:endEvent', 'bpmn:exclusiveGateway', 'bpmn:parallelGateway', 'bpmn:sequenceFlow', 'bpmn:process', 'bpmn:subProcess', 'bpmn:task', 'ims:field', 'ims:option', 'ims:form'];
const SWAPS = ['bpmn:scriptTask', 'bpmn:callActivity', 'bpmn:sendTask', 'bpmn:manualTask', 'bpmn:complexGateway', 'bpmn:inclusiveGateway', 'bpmn:transaction', 'bpmn:adHocSubProcess', 'bpmn:boundaryEvent', 'bpmn:intermediateCatchEvent', 'bpmn:unknownThing', 'foo:task', 'ims:form'];
const ATTRIBUTES = ['name', 'id', 'ims:assignee', 'ims:candidateRole', 'ims:due', 'ims:remindBefore', 'ims:remindEvery', 'ims:notBy', 'ims:signature', 'ims:service', 'ims:collection', 'ims:businessKeyPrefix', 'camunda:expression', 'implementation', 'default', 'sourceRef', 'targetRef', 'isExecutable', 'key', 'type', 'requiredWhen', 'xmlns:x', 'x:y'];
const VALUES = ['${variables.x}', '${variables.constructor}', '${', '${x', '}', 'P1D', 'P0D', 'PT0S', '-P1D', 'P99999999Y', 'R/PT0S', 'R/2000-01-01T00:00:00Z/PT0.001S', '2026-13-45', 'true', 'false', '', ' ', 'review', 'start', 'end', 'approved', '1e8', '-1', '&amp;', '&#36;&#123;', '&#0;', '&lt;', '&unknown;', '"', '<', ']]>'];
/** Things to drop anywhere in a file: markup fragments, comments, CDATA, entity references. */
const MARKUP = ['<', '>', '/>', '</bpmn:userTask>', '<bpmn:task id="t"/>', '<ims:form>', '<![CDATA[${variables.x}]]>', '<!-- ${ -->', '<?pi x?>', '&amp;', '&#x0;', '&#36;&#123;variables.constructor&#125;', '<!DOCTYPE x>', '<!ENTITY a "b">', '"', "'", '=', 'xmlns:ims="urn:other"', '\u0000', '\ufeff'];
const LOOPS = [
  '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>${variables.n}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>',
  '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>100000000</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>',
  '<bpmn:multiInstanceLoopCharacteristics ims:collection="${variables.list}" />',
  '<bpmn:standardLoopCharacteristics />',
];

type Mutation =
  | { kind: 'attribute'; at: number; name: string; value: Piece[] }
  | { kind: 'nest'; at: number; open: string; close: string; depth: number }
  | { kind: 'many'; at: number; element: string; times: number }
  | { kind: 'swap'; at: number; to: string }
  | { kind: 'text'; at: number; text: string }
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const at = fc.nat();
const value: fc.Arbitrary<Piece[]> = fc.array(
  fc.oneof(fc.constantFrom(...VALUES), oddText(4), fc.tuple(fc.constantFrom('${', '${x', '${(', '$', '{'), count()).map(([repeat, times]) => ({ repeat, times }))),
  { minLength: 1, maxLength: 4 },
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('attribute' as const), at, name: fc.constantFrom(...ATTRIBUTES), value }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('nest' as const),
      at,
      open: fc.constantFrom('<bpmn:extensionElements>', '<ims:form>', '<x:y xmlns:x="urn:x">', '<bpmn:subProcess id="s">', '<bpmn:documentation>'),
      close: fc.constant(''),
      depth: count(30_000),
    }).map((m) => ({ ...m, close: `</${m.open.slice(1).split(/[\s>]/)[0]}>` })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('many' as const),
      at,
      element: fc.constantFrom('<ims:unknown/>', '<foo:bar xmlns:foo="urn:foo"/>', '<ims:field key="k" label="${variables.x}"/>', '<ims:option value="v"/>', '<bpmn:task/>', '<bpmn:documentation>${</bpmn:documentation>', '<ims:escalation after="P1D" to="qm"/>', ...LOOPS),
      times: count(80_000),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('swap' as const), at, to: fc.constantFrom(...SWAPS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('text' as const), at, text: fc.oneof(fc.constantFrom(...MARKUP), ...LOOPS.map((l) => fc.constant(l)), oddText(6)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at, length: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
);

/** Offsets just after an element's name in a start tag: where an attribute or a child may go. */
function tagPositions(xml: string): { name: number; end: number; tag: string }[] {
  const found: { name: number; end: number; tag: string }[] = [];
  // indexOf rather than one pattern over the whole text: a pattern search from every "<" could backtrack
  for (let start = xml.indexOf('<'); start >= 0; start = xml.indexOf('<', start + 1)) {
    const close = xml.indexOf('>', start);
    if (close < 0) break;
    const tag = /^[a-z]+:[a-z]+/i.exec(xml.slice(start + 1, Math.min(close, start + 80)))?.[0];
    if (!tag || (!TAGS.includes(tag) && !tag.startsWith('bpmn:'))) continue;
    found.push({ name: start + 1 + tag.length, end: xml[close - 1] === '/' ? close - 1 : close, tag });
  }
  return found;
}

/** Applies mutations to a base file; the result is a recipe, so huge repeats stay small in the corpus. */
export function mutate(base: string, mutations: Mutation[]): Recipe {
  let pieces: Recipe = [base];
  for (const m of mutations) {
    const xml = pieces[0] as string;
    const tags = tagPositions(xml);
    const tag = tags[m.at % Math.max(1, tags.length)];
    const offset = m.at % (xml.length + 1);
    const insert = (where: number, middle: Piece[]) => [xml.slice(0, where), ...middle, xml.slice(where), ...pieces.slice(1)];
    switch (m.kind) {
      case 'attribute':
        if (tag) pieces = insert(tag.name, [` ${m.name}="`, ...m.value, '"']);
        break;
      case 'nest':
        pieces = insert(tag ? childOffset(xml, tag.end) : offset, [{ repeat: m.open, times: m.depth }, { repeat: m.close, times: m.depth }]);
        break;
      case 'many':
        pieces = insert(tag ? childOffset(xml, tag.end) : offset, [{ repeat: m.element, times: m.times }]);
        break;
      case 'swap':
        if (tag) pieces = [xml.split(`<${tag.tag}`).join(`<${m.to}`).split(`</${tag.tag}>`).join(`</${m.to}>`), ...pieces.slice(1)];
        break;
      case 'text':
        pieces = insert(offset, [m.text]);
        break;
      case 'cut':
        pieces = [xml.slice(0, offset) + xml.slice(offset + m.length), ...pieces.slice(1)];
        break;
      case 'truncate':
        pieces = [xml.slice(0, offset)];
        break;
    }
    // later mutations work on the text before the first repeat
    pieces = mergeLeadingStrings(pieces);
  }
  return pieces.filter((p) => p !== '');
}

/** Just inside an element (after its start tag), or just after it when it closes itself. */
const childOffset = (xml: string, end: number) => (xml[end] === '/' ? end + 2 : end + 1);

function mergeLeadingStrings(pieces: Recipe): Recipe {
  let head = '';
  let i = 0;
  while (i < pieces.length && typeof pieces[i] === 'string') head += pieces[i++] as string;
  return [head, ...pieces.slice(i)];
}

export const bpmnTarget: FuzzTarget<Recipe> = {
  name: 'bpmn',
  about: 'engine/kernel/bpmn/lint.ts checkDefinition, through the server\'s check pool, on the shipped processes and the hostile baseline with mutations',
  arbitrary: () =>
    fc
      .tuple(fc.nat(BASES.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }))
      .map(([base, mutations]) => mutate(BASES[base], mutations)),
  async run(recipe) {
    const xml = expand(recipe);
    try {
      const { problems } = await (pool ??= new CheckPool()).check(xml, { services: registered() });
      for (const p of problems) {
        demand(typeof p.element === 'string' && p.element.length > 0, `a problem names no element: ${JSON.stringify(p).slice(0, 200)}`);
        demand(typeof p.message === 'string' && p.message.trim().length > 0, `a problem of ${p.element} says nothing`);
      }
      if (!problems.length) return 'accepted';
      return `problems: ${[...new Set(problems.map((p) => blur(p.message)))].sort().slice(0, 3).join(' | ')}`;
    } catch (err) {
      if (err instanceof FuzzFinding) throw err;
      if (err instanceof TooCostlyError) return 'too costly to check: refused within the budget';
      if (err instanceof TooLargeError) return `too large: ${blur(err.message)}`;
      demand(err instanceof InvalidDefinitionError, `checkDefinition threw ${(err as Error)?.name}: ${String((err as Error)?.message).slice(0, 300)}`);
      demand(err.problems.length > 0, 'InvalidDefinitionError without problems');
      return `refused: ${blur(err.problems[0].message)}`;
    }
  },
};
