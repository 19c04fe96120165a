import fc from 'fast-check';
import { checkExpressions, evaluate, ExpressionError, parse, resolveTemplate, type ExpressionScope } from '../../../engine/kernel/expressions.js';
import { count, expand, oddText, type Recipe } from '../recipe.js';
import { blur, demand, FuzzFinding, type FuzzTarget } from '../target.js';

/**
 * engine/kernel/expressions.ts, the only language a BPMN file may speak. Two kinds of input:
 * - `ast`: a tree drawn from the grammar and printed as `${...}`. parse(print(tree)) must give the tree
 *   back (with the bpmn-engine aliases mapped to their roots), or refuse it with ExpressionError when the
 *   tree names a forbidden segment, an unknown root or is longer than the limit.
 * - `text`: any template text (grammar pieces, mutations, odd characters, huge repeats). parse,
 *   checkExpressions and resolveTemplate throw nothing but ExpressionError; whatever checkExpressions
 *   accepts also resolves; nothing ever reaches a prototype, a constructor or a function.
 */

type Ast =
  | { literal: string | number | boolean | null; quote?: '"' | "'" }
  | { path: string; segments: (string | number)[] }
  | { not: Ast }
  | { op: '&&' | '||' | '==' | '!=' | '<' | '<=' | '>' | '>='; left: Ast; right: Ast };

export type ExpressionInput = { ast: Ast } | { text: Recipe };

/** Marks what lives on prototypes, in functions and behind getters: it must never come out. */
const SECRET = 'SECRET-FROM-THE-OBJECT-MODEL';
const ROOTS = ['variables', 'output', 'item'];
const ALIASES: Record<string, string> = { 'environment.variables': 'variables', 'environment.output': 'output', 'content.item': 'item' };
const HEADS = [...ROOTS, ...Object.keys(ALIASES), 'environment', 'content', 'process', 'global', 'globalThis', 'this', 'constructor', 'require'];
const NAMES = ['x', 'title', 'score', 'list', 'nested', 'obj', 'fn', 'polluted', 'length', 'secret', 'a-b', '$x', '_', 'true', 'null', 'constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', '__lookupGetter__'];
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor', '__defineGetter__', '__lookupGetter__']);
const OPS = ['&&', '||', '==', '!=', '<', '<=', '>', '>='] as const;

/** Scope values that would leak the object model if the evaluator walked anything but own data. */
function hostileScope(): ExpressionScope {
  const proto = { secret: SECRET, polluted: SECRET };
  const variables = JSON.parse('{"__proto__": {"polluted": "' + SECRET + '"}, "x": 1, "title": "t", "score": 7, "list": [1, {"a": 2}], "nested": {"score": 5, "list": ["a"]}}');
  variables.obj = Object.create(proto);
  variables.fn = () => SECRET;
  variables.fn.secret = SECRET;
  return { variables, output: { review: { decision: 'accept', x: Object.create(proto) } }, item: Object.create(proto) };
}

const astArbitrary: fc.Arbitrary<Ast> = fc.letrec<{ ast: Ast }>((tie) => ({
  ast: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.record({ literal: fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: -9999, max: 9999 }).map((n) => n / 100), fc.constantFrom(true, false, null)) }),
      fc.record({ literal: fc.string({ maxLength: 8 }).filter((s) => !/["\\]/.test(s)), quote: fc.constant('"' as const) }),
      fc.record({ literal: fc.string({ maxLength: 8 }).filter((s) => !/['\\]/.test(s)), quote: fc.constant("'" as const) }),
    ),
    fc.record({ path: fc.constantFrom(...HEADS), segments: fc.array(fc.oneof(fc.constantFrom(...NAMES), fc.nat(20)), { maxLength: 4 }) }),
    fc.record({ not: tie('ast') }),
    fc.record({ op: fc.constantFrom(...OPS), left: tie('ast'), right: tie('ast') }),
  ),
})).ast;

function print(ast: Ast): string {
  if ('literal' in ast) {
    if (typeof ast.literal === 'string') return `${ast.quote}${ast.literal}${ast.quote}`;
    return Object.is(ast.literal, -0) ? '0' : String(ast.literal);
  }
  if ('path' in ast) return ast.path + ast.segments.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
  if ('not' in ast) return `!(${print(ast.not)})`;
  return `(${print(ast.left)}) ${ast.op} (${print(ast.right)})`;
}

/** The tree the parser must return, or null when it must refuse. */
function expected(ast: Ast): unknown {
  if ('literal' in ast) return { kind: 'literal', value: Object.is(ast.literal, -0) ? 0 : ast.literal };
  if ('not' in ast) {
    const operand = expected(ast.not);
    return operand && { kind: 'not', operand };
  }
  if ('op' in ast) {
    const [left, right] = [expected(ast.left), expected(ast.right)];
    return left && right && { kind: 'binary', op: ast.op, left, right };
  }
  const words = [...ast.path.split('.'), ...ast.segments];
  if (words.some((w) => typeof w === 'string' && FORBIDDEN.has(w))) return null;
  if (words.length >= 2 && typeof words[1] === 'string' && ALIASES[`${words[0]}.${words[1]}`]) {
    return { kind: 'path', root: ALIASES[`${words[0]}.${words[1]}`], segments: words.slice(2) };
  }
  if (['true', 'false', 'null'].includes(String(words[0]))) return null;
  return ROOTS.includes(String(words[0])) ? { kind: 'path', root: words[0], segments: words.slice(1) } : null;
}

const FRAGMENTS = ['${', '}', '$', '{', '$${', '${}', '}$', 'variables', 'output', 'item', 'environment.variables', '.', '..', '[', ']', '[0]', '[-1]', '[1.5]', '(', ')', '"', "'", '\\', '==', '!=', '<=', '&&', '||', '!', ' ', '\t', '\n', '0', '-1', '1e9', 'true', 'null', 'constructor', '__proto__', 'x', '-', '()', ',', ';', '`', '#{', '%{'];

const textArbitrary: fc.Arbitrary<Recipe> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) },
    { weight: 2, arbitrary: astArbitrary.map((ast) => `\${${print(ast)}}`) },
    { weight: 1, arbitrary: oddText(6) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('${', '${x', '${variables.', '(', '!', '[', '"', '${(', 'a.', '${}'), count()).map(([repeat, times]) => ({ repeat, times })) },
  ),
  { maxLength: 12 },
);

/** Every object reachable from the scope through own properties: the only objects an evaluation may return. */
function ownData(scope: ExpressionScope): Set<unknown> {
  const found = new Set<unknown>();
  const walk = (value: unknown) => {
    if (!value || typeof value !== 'object' || found.has(value)) return;
    found.add(value);
    for (const key of Object.getOwnPropertyNames(value)) walk((value as Record<string, unknown>)[key]);
  };
  [scope.variables, scope.output, scope.item].forEach(walk);
  return found;
}

/** Nothing that came out of an evaluation may be a function, a prototype or something kept on one. */
function demandPlainResult(value: unknown, scope: ExpressionScope, source: string): void {
  demand(typeof value !== 'function', `${source} resolved to a function`);
  if (value && typeof value === 'object') demand(ownData(scope).has(value), `${source} resolved to an object that is not the scope's own data (a prototype or a built-in)`);
  demand(!(typeof value === 'string' && value.includes(SECRET)) && value !== SECRET, `${source} read a value kept on a prototype or in a function`);
}

/** Runs a call that may refuse only with ExpressionError; returns its error message, or undefined. */
function refusalOf(call: () => unknown, what: string): string | undefined {
  try {
    call();
    return undefined;
  } catch (err) {
    if (err instanceof FuzzFinding) throw err;
    demand(err instanceof ExpressionError, `${what} threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    demand(typeof err.message === 'string' && err.message.length > 0, `${what} refused without a message`);
    return err.message;
  }
}

export const expressionsTarget: FuzzTarget<ExpressionInput> = {
  name: 'expressions',
  about: 'engine/kernel/expressions.ts: parse, checkExpressions, resolveTemplate, evaluate on grammar trees and hostile template text',
  arbitrary: () => fc.oneof(fc.record({ ast: astArbitrary }), fc.record({ text: textArbitrary })),
  run(input) {
    const scope = hostileScope();
    if ('ast' in input) {
      const body = print(input.ast);
      const want = body.length > 500 ? null : expected(input.ast);
      let got: unknown;
      const refusal = refusalOf(() => (got = parse(body)), `parse(${JSON.stringify(body.slice(0, 80))})`);
      if (want === null) {
        demand(refusal !== undefined, `parse accepted ${JSON.stringify(body.slice(0, 120))}, which must be refused`);
        return 'ast: refused';
      }
      demand(refusal === undefined, `parse refused ${JSON.stringify(body.slice(0, 120))}: ${refusal}`);
      demand(JSON.stringify(got) === JSON.stringify(want), `parse(${JSON.stringify(body.slice(0, 120))}) gave ${JSON.stringify(got).slice(0, 200)}, not ${JSON.stringify(want).slice(0, 200)}`);
      let value: unknown;
      const failed = refusalOf(() => (value = evaluate(got as ReturnType<typeof parse>, scope)), 'evaluate');
      demand(failed === undefined, `evaluate refused a parsed expression: ${failed}`);
      demandPlainResult(value, scope, `\${${body.slice(0, 80)}}`);
      return 'ast: parsed';
    }
    const text = expand(input.text);
    let verdict = null as string | null;
    const checkRefusal = refusalOf(() => (verdict = checkExpressions(text)), 'checkExpressions');
    demand(checkRefusal === undefined, `checkExpressions threw instead of answering: ${checkRefusal}`);
    let value: unknown;
    const refusal = refusalOf(() => (value = resolveTemplate(text, scope)), 'resolveTemplate');
    // What deployment accepts must resolve at run time: an accepted file never becomes an incident here.
    if (verdict === null) demand(refusal === undefined, `checkExpressions accepted ${JSON.stringify(text.slice(0, 120))} but resolveTemplate refused it: ${refusal}`);
    if (refusal === undefined) demandPlainResult(value, scope, JSON.stringify(text.slice(0, 80)));
    return `text: ${verdict === null ? 'accepted' : blur(verdict.replace(/^expression \$\{.*\} is not allowed: /s, ''))}`;
  },
};
