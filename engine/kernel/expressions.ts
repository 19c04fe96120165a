/**
 * The only expression language a BPMN file may use: `${...}` holding property paths on a whitelist,
 * literals, comparisons and boolean logic. Parsed by a small grammar and evaluated by walking the tree:
 * no `eval`, no function calls, no reaching into prototypes. bpmn-engine's own resolver walks arbitrary
 * property paths (a route to `constructor` and so to code execution), so we replace it entirely.
 *
 *   expr    := or
 *   or      := and ('||' and)*
 *   and     := unary ('&&' unary)*
 *   unary   := '!' unary | compare
 *   compare := operand (('=='|'!='|'<'|'<='|'>'|'>=') operand)?
 *   operand := path | number | string | true | false | null | '(' expr ')'
 *   path    := root ('.' name | '[' digits ']')*
 *
 * Roots: `variables` (instance variables), `output` (data of completed tasks and services, by element id),
 * `item` (the current element of a multi-instance collection). bpmn-engine spellings are accepted as
 * aliases: `environment.variables`, `environment.output`, `content.item`.
 */

export type Root = 'variables' | 'output' | 'item';

type Node =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'path'; root: Root; segments: (string | number)[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'binary'; op: BinaryOp; left: Node; right: Node };

type BinaryOp = '&&' | '||' | '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface ExpressionScope {
  variables: Record<string, unknown>;
  output: Record<string, unknown>;
  item?: unknown;
}

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

const MAX_LENGTH = 500;
/** Expressions in one text (an attribute, a name): far above any real one, and bounds the work a text costs. */
const MAX_EXPRESSIONS = 200;
/** Names that lead out of plain data into the object model. Never allowed as a path segment. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor', '__defineGetter__', '__lookupGetter__']);
const ALIASES: Record<string, Root> = {
  'environment.variables': 'variables',
  'environment.output': 'output',
  'content.item': 'item',
};

/** A `${...}` in a text: where it starts, where its closing `}` is, and what stands between. */
interface Placeholder {
  start: number;
  end: number;
  body: string;
}

/**
 * Every closed `${...}` in a text, left to right, found with indexOf in one pass: a body runs to the
 * first `}`. (The pattern this replaces, /\$\{([^}]*)\}/g, rescanned the rest of the text from every
 * unclosed `${`: 900,000 of them took over 17 minutes.) Lazy, so a check can stop at the first bad one.
 */
function* placeholders(text: string): Generator<Placeholder> {
  let from = 0;
  for (;;) {
    const start = text.indexOf('${', from);
    if (start < 0) return;
    const close = text.indexOf('}', start + 2);
    // no `}` after this opener means none after any later one either
    if (close < 0) return;
    yield { start, end: close + 1, body: text.slice(start + 2, close) };
    from = close + 1;
  }
}

/** Whether `${` occurs more than `count` times in a text; stops counting as soon as it does. */
function opensMoreThan(text: string, count: number): boolean {
  let seen = 0;
  for (let at = text.indexOf('${'); at >= 0; at = text.indexOf('${', at + 2)) {
    seen += 1;
    if (seen > count) return true;
  }
  return false;
}

/**
 * The bodies of a text, and last, when more `${` were opened than closed (a body may hold a `${`), the
 * text from the last `${` on as a body of its own, so it is reported.
 */
function* bodiesOf(text: string): Generator<string> {
  let closed = 0;
  for (const { body } of placeholders(text)) {
    closed += 1;
    yield body;
  }
  if (opensMoreThan(text, closed)) yield text.slice(text.lastIndexOf('${'));
}

/** The body of a text that is one `${...}` and nothing else, or undefined. */
function wholeBody(text: string): string | undefined {
  if (!text.startsWith('${') || !text.endsWith('}')) return undefined;
  const close = text.indexOf('}', 2);
  return close === text.length - 1 ? text.slice(2, close) : undefined;
}

/** True when the text contains at least one `${...}`. */
export function hasExpression(text: unknown): text is string {
  return typeof text === 'string' && text.includes('${');
}

/** Every `${...}` body in a text, for validation. An unterminated `${` is reported as a body of its own. */
export function expressionBodies(text: string): string[] {
  return [...bodiesOf(text)];
}

/** Long bodies are shortened in messages: a refusal should not echo megabytes back. */
const SHOWN_LENGTH = 120;

/** Returns null when every expression in the text is allowed, else the reason the first one is not. */
export function checkExpressions(text: string): string | null {
  let count = 0;
  for (const body of bodiesOf(text)) {
    count += 1;
    if (count > MAX_EXPRESSIONS) return `more than ${MAX_EXPRESSIONS} expressions in one text: split it, or compute the value in a service`;
    try {
      parse(body);
    } catch (err) {
      const shown = body.length > SHOWN_LENGTH ? `${body.slice(0, SHOWN_LENGTH)}… (${body.length} characters)` : body;
      return `expression \${${shown}} is not allowed: ${(err as Error).message}`;
    }
  }
  return null;
}

/**
 * Resolves a text: `${x}` alone yields x's value with its type; expressions inside other text are
 * interpolated as strings. Throws ExpressionError for anything outside the grammar.
 */
export function resolveTemplate(text: string, scope: ExpressionScope): unknown {
  const whole = wholeBody(text);
  if (whole !== undefined) return evaluate(parse(whole), scope);
  if (!hasExpression(text)) return text;
  const invalid = checkExpressions(text);
  if (invalid) throw new ExpressionError(invalid);
  const parts: string[] = [];
  let from = 0;
  for (const { start, end, body } of placeholders(text)) {
    const value = evaluate(parse(body), scope);
    parts.push(text.slice(from, start), value === undefined || value === null ? '' : String(value));
    from = end;
  }
  parts.push(text.slice(from));
  return parts.join('');
}

const cache = new Map<string, Node>();

export function parse(body: string): Node {
  const cached = cache.get(body);
  if (cached) return cached;
  if (body.length > MAX_LENGTH) throw new ExpressionError(`longer than ${MAX_LENGTH} characters`);
  const parser = new Parser(tokenize(body));
  const node = parser.parseExpression();
  parser.expectEnd();
  if (cache.size > 10_000) cache.clear();
  cache.set(body, node);
  return node;
}

export function evaluate(node: Node, scope: ExpressionScope): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path':
      return readPath(scope, node.root, node.segments);
    case 'not':
      return !evaluate(node.operand, scope);
    case 'binary': {
      if (node.op === '&&') return evaluate(node.left, scope) && evaluate(node.right, scope);
      if (node.op === '||') return evaluate(node.left, scope) || evaluate(node.right, scope);
      return compare(node.op, evaluate(node.left, scope), evaluate(node.right, scope));
    }
  }
}

function compare(op: BinaryOp, left: unknown, right: unknown): boolean {
  switch (op) {
    // a missing value equals null: `${variables.title != null}` asks whether it was given
    case '==':
      return (left ?? null) === (right ?? null);
    case '!=':
      return (left ?? null) !== (right ?? null);
  }
  // Ordering only between two numbers or two strings; anything else is false rather than coerced.
  const comparable = (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  const l = left as number | string;
  const r = right as number | string;
  switch (op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
    default:
      return false;
  }
}

/** Walks own, plain-data properties only: no getters on prototypes, no functions returned. */
function readPath(scope: ExpressionScope, root: Root, segments: (string | number)[]): unknown {
  let value: unknown = root === 'item' ? scope.item : scope[root];
  for (const segment of segments) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return typeof value === 'function' ? undefined : value;
}

type Token =
  | { type: 'name'; value: string }
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'op'; value: string };

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '.', '[', ']'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < source.length && /[A-Za-z0-9_$-]/.test(source[j])) j += 1;
      tokens.push({ type: 'name', value: source.slice(i, j) });
      i = j;
      continue;
    }
    if (isDigit(c) || (c === '-' && isDigit(source[i + 1]))) {
      // -?digits(.digits)? read in place: no slice of the rest of the source per number
      let j = c === '-' ? i + 1 : i;
      while (isDigit(source[j])) j += 1;
      if (source[j] === '.' && isDigit(source[j + 1])) {
        j += 1;
        while (isDigit(source[j])) j += 1;
      }
      tokens.push({ type: 'number', value: Number(source.slice(i, j)) });
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = source.indexOf(c, i + 1);
      if (end < 0) throw new ExpressionError('unterminated string');
      const text = source.slice(i + 1, end);
      if (text.includes('\\')) throw new ExpressionError('escapes in strings are not supported');
      tokens.push({ type: 'string', value: text });
      i = end + 1;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character "${c}"`);
    tokens.push({ type: 'op', value: op });
    i += op.length;
  }
  return tokens;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  parseExpression(): Node {
    return this.parseOr();
  }

  expectEnd(): void {
    const token = this.tokens[this.index];
    if (token) throw new ExpressionError(`unexpected "${token.value}"`);
  }

  private peekOp(...ops: string[]): string | undefined {
    const token = this.tokens[this.index];
    return token?.type === 'op' && ops.includes(token.value) ? token.value : undefined;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.peekOp('||')) {
      this.index += 1;
      left = { kind: 'binary', op: '||', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseUnary();
    while (this.peekOp('&&')) {
      this.index += 1;
      left = { kind: 'binary', op: '&&', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Node {
    if (this.peekOp('!')) {
      this.index += 1;
      return { kind: 'not', operand: this.parseUnary() };
    }
    return this.parseCompare();
  }

  private parseCompare(): Node {
    const left = this.parseOperand();
    const op = this.peekOp('==', '!=', '<', '<=', '>', '>=');
    if (!op) return left;
    this.index += 1;
    return { kind: 'binary', op: op as BinaryOp, left, right: this.parseOperand() };
  }

  private parseOperand(): Node {
    const token = this.tokens[this.index];
    if (!token) throw new ExpressionError('expression ends too early');
    this.index += 1;
    if (token.type === 'number' || token.type === 'string') return { kind: 'literal', value: token.value };
    if (token.type === 'op' && token.value === '(') {
      const inner = this.parseOr();
      if (!this.peekOp(')')) throw new ExpressionError('missing ")"');
      this.index += 1;
      return inner;
    }
    if (token.type === 'name') {
      if (token.value === 'true') return { kind: 'literal', value: true };
      if (token.value === 'false') return { kind: 'literal', value: false };
      if (token.value === 'null') return { kind: 'literal', value: null };
      return this.parsePath(token.value);
    }
    throw new ExpressionError(`unexpected "${token.value}"`);
  }

  private parsePath(first: string): Node {
    const segments: (string | number)[] = [first];
    for (;;) {
      if (this.peekOp('.')) {
        this.index += 1;
        const name = this.tokens[this.index];
        if (name?.type !== 'name') throw new ExpressionError('a name must follow "."');
        segments.push(name.value);
        this.index += 1;
      } else if (this.peekOp('[')) {
        this.index += 1;
        const index = this.tokens[this.index];
        if (index?.type !== 'number' || !Number.isInteger(index.value) || index.value < 0) {
          throw new ExpressionError('only a whole-number index may stand in "[ ]"');
        }
        this.index += 1;
        if (!this.peekOp(']')) throw new ExpressionError('missing "]"');
        this.index += 1;
        segments.push(index.value);
      } else {
        break;
      }
    }
    if (this.peekOp('(')) throw new ExpressionError('function calls are not allowed');
    for (const segment of segments) {
      if (typeof segment === 'string' && FORBIDDEN_SEGMENTS.has(segment)) {
        throw new ExpressionError(`"${segment}" may not be used in a path`);
      }
    }
    const head = String(segments[0]);
    if ((head === 'environment' || head === 'content') && typeof segments[1] === 'string') {
      const aliased = ALIASES[`${head}.${segments[1]}`];
      if (aliased) return { kind: 'path', root: aliased, segments: segments.slice(2) };
    }
    if (head === 'variables' || head === 'output' || head === 'item') {
      return { kind: 'path', root: head, segments: segments.slice(1) };
    }
    throw new ExpressionError(`paths must start with variables, output or item (found "${segments.join('.')}")`);
  }
}
