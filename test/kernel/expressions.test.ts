import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { checkExpressions, evaluate, ExpressionError, expressionBodies, parse, resolveTemplate, type ExpressionScope } from '../../engine/kernel/expressions.js';

/**
 * The whitelisted expression grammar (engine/kernel/expressions.ts), called directly: what it accepts and how
 * it evaluates, and, as defence in depth behind deployment validation, that it refuses every attack
 * string in test/fixtures/hostile/expression-attacks.txt however it reaches it.
 */

const ATTACKS = readFileSync(new URL('../fixtures/hostile/expression-attacks.txt', import.meta.url), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

const scope = (): ExpressionScope => ({
  variables: {
    title: 'Scrap rate above limit',
    owner: 'alice',
    count: 3,
    ratio: 0.5,
    zero: 0,
    flag: true,
    nothing: null,
    list: ['first', { name: 'second' }],
    nested: { deep: { value: 'found' } },
  },
  output: {
    review: { decision: 'accept', score: 7 },
    assess: { severity: 'major', actionNeeded: true },
  },
  item: { owner: 'bob', due: '2026-12-01' },
});

/** Resolves, and fails the test with what came back if the text was not refused with ExpressionError. */
function expectRefused(text: string, where: ExpressionScope = scope()): ExpressionError {
  let result: unknown;
  try {
    result = resolveTemplate(text, where);
  } catch (err) {
    expect(err, `${text} threw something other than ExpressionError`).to.be.instanceOf(ExpressionError);
    return err as ExpressionError;
  }
  expect(typeof result, `${text} returned a function`).not.to.equal('function');
  expect.fail(`${text} was not refused; it resolved to ${String(result)}`);
}

describe('expressions: the whitelisted grammar', () => {
  describe('literals', () => {
    const cases: [string, unknown][] = [
      ['${"double quoted"}', 'double quoted'],
      ["${'single quoted'}", 'single quoted'],
      ['${""}', ''],
      ['${42}', 42],
      ['${-7}', -7],
      ['${3.25}', 3.25],
      ['${true}', true],
      ['${false}', false],
      ['${null}', null],
    ];
    for (const [text, expected] of cases) {
      it(`${text} is ${JSON.stringify(expected)}`, () => {
        expect(resolveTemplate(text, scope())).to.deep.equal(expected);
      });
    }

    it('refuses escapes inside strings and unterminated strings', () => {
      expectRefused('${"a\\"b"}');
      expectRefused('${"open}');
    });
  });

  describe('paths', () => {
    it('reads variables, output and item with their types', () => {
      expect(resolveTemplate('${variables.owner}', scope())).to.equal('alice');
      expect(resolveTemplate('${variables.count}', scope())).to.equal(3);
      expect(resolveTemplate('${variables.flag}', scope())).to.equal(true);
      expect(resolveTemplate('${variables.nothing}', scope())).to.equal(null);
      expect(resolveTemplate('${variables.nested.deep.value}', scope())).to.equal('found');
      expect(resolveTemplate('${output.review.decision}', scope())).to.equal('accept');
      expect(resolveTemplate('${item.owner}', scope())).to.equal('bob');
    });

    it('reads array elements by whole-number index', () => {
      expect(resolveTemplate('${variables.list[0]}', scope())).to.equal('first');
      expect(resolveTemplate('${variables.list[1].name}', scope())).to.equal('second');
      expect(resolveTemplate('${variables.list[2]}', scope())).to.equal(undefined);
    });

    it('accepts the bpmn-engine spellings as aliases', () => {
      expect(resolveTemplate('${environment.variables.owner}', scope())).to.equal('alice');
      expect(resolveTemplate('${environment.output.review.decision}', scope())).to.equal('accept');
      expect(resolveTemplate('${environment.output.assess.severity}', scope())).to.equal('major');
      expect(resolveTemplate('${content.item.owner}', scope())).to.equal('bob');
    });

    it('resolves a missing path to undefined, at any depth and on any root', () => {
      expect(resolveTemplate('${variables.missing}', scope())).to.equal(undefined);
      expect(resolveTemplate('${variables.missing.deeper.still}', scope())).to.equal(undefined);
      expect(resolveTemplate('${variables.owner.first}', scope())).to.equal(undefined);
      expect(resolveTemplate('${output.nope.decision}', scope())).to.equal(undefined);
      expect(resolveTemplate('${item.owner}', { variables: {}, output: {} })).to.equal(undefined);
    });

    it('tolerates whitespace inside ${ }', () => {
      expect(resolveTemplate('${  variables.owner  }', scope())).to.equal('alice');
      expect(resolveTemplate('${ variables.count  >=  3 }', scope())).to.equal(true);
    });

    it('refuses roots other than variables, output and item', () => {
      for (const text of ['${owner}', '${environment.owner}', '${content.owner}', '${fields.x}', '${properties.x}']) expectRefused(text);
    });
  });

  describe('own properties only', () => {
    it('resolves inherited properties such as toString to undefined', () => {
      expect(resolveTemplate('${variables.toString}', scope())).to.equal(undefined);
      expect(resolveTemplate('${variables.valueOf}', scope())).to.equal(undefined);
      expect(resolveTemplate('${variables.hasOwnProperty}', scope())).to.equal(undefined);
      expect(resolveTemplate('${output.review.isPrototypeOf}', scope())).to.equal(undefined);
      expect(resolveTemplate('${variables.list.map}', scope())).to.equal(undefined);
      expect(resolveTemplate('${item.toLocaleString}', scope())).to.equal(undefined);
    });

    it('does not read properties of strings, numbers or booleans', () => {
      expect(resolveTemplate('${variables.owner.length}', scope())).to.equal(undefined);
      expect(resolveTemplate('${variables.count.toFixed}', scope())).to.equal(undefined);
      expect(resolveTemplate('${variables.flag.valueOf}', scope())).to.equal(undefined);
    });

    it('does not read a property an object only inherits', () => {
      const child = Object.create({ secret: 'inherited' }) as Record<string, unknown>;
      child.visible = 'own';
      const where: ExpressionScope = { variables: { child }, output: {} };
      expect(resolveTemplate('${variables.child.visible}', where)).to.equal('own');
      expect(resolveTemplate('${variables.child.secret}', where)).to.equal(undefined);
    });

    it('never returns a function, even one held in a variable', () => {
      const where: ExpressionScope = { variables: { fn: () => 'called', holder: { fn() {} } }, output: {}, item: () => 'item' };
      expect(resolveTemplate('${variables.fn}', where)).to.equal(undefined);
      expect(resolveTemplate('${variables.holder.fn}', where)).to.equal(undefined);
      expect(resolveTemplate('${item}', where)).to.equal(undefined);
      // a function reads as missing, and a missing value equals null
      expect(resolveTemplate('${variables.fn == null}', where)).to.equal(true);
      expect(resolveTemplate('${variables.fn || "none"}', where)).to.equal('none');
    });
  });

  describe('comparisons and logic', () => {
    const cases: [string, unknown][] = [
      ['${output.review.decision == "accept"}', true],
      ['${output.review.decision == "reject"}', false],
      ['${output.review.decision != "reject"}', true],
      ['${variables.count == 3}', true],
      ['${variables.count < 4}', true],
      ['${variables.count <= 3}', true],
      ['${variables.count > 3}', false],
      ['${variables.count >= 3}', true],
      ['${variables.ratio < 1}', true],
      ['${"apple" < "banana"}', true],
      ['${variables.nothing == null}', true],
      ['${variables.missing == null}', true],
      ['${variables.flag == true}', true],
      ['${variables.flag && variables.count > 2}', true],
      ['${variables.flag && variables.count > 5}', false],
      ['${variables.count > 5 || output.assess.actionNeeded}', true],
      ['${!variables.flag}', false],
      ['${!!variables.count}', true],
      ['${!(variables.count > 5)}', true],
      ['${(variables.count > 5 || variables.flag) && output.review.score >= 7}', true],
      ['${variables.count > 5 || variables.flag && variables.zero > 0}', false],
      ['${item.owner == "bob" && item.due < "2027-01-01"}', true],
    ];
    for (const [text, expected] of cases) {
      it(`${text} is ${expected}`, () => {
        expect(resolveTemplate(text, scope())).to.equal(expected);
      });
    }

    it('&& binds tighter than ||', () => {
      expect(resolveTemplate('${true || false && false}', scope())).to.equal(true);
      expect(resolveTemplate('${(true || false) && false}', scope())).to.equal(false);
    });

    it('compares with === semantics: no type coercion', () => {
      expect(resolveTemplate('${variables.count == "3"}', scope())).to.equal(false);
      expect(resolveTemplate('${variables.zero == false}', scope())).to.equal(false);
      expect(resolveTemplate('${variables.count != "3"}', scope())).to.equal(true);
    });

    it('treats a missing value as null in == and !=', () => {
      expect(resolveTemplate('${variables.missing == null}', scope())).to.equal(true);
      expect(resolveTemplate('${variables.missing != null}', scope())).to.equal(false);
      expect(resolveTemplate('${item.owner != null}', scope())).to.equal(true);
      expect(resolveTemplate('${variables.missing == 0}', scope())).to.equal(false);
      expect(resolveTemplate('${variables.missing == ""}', scope())).to.equal(false);
      expect(resolveTemplate('${variables.nothing == variables.missing}', scope())).to.equal(true);
    });

    it('is false for every ordering comparison between mixed types', () => {
      const mixed = [
        '${variables.count < "5"}',
        '${variables.count > "1"}',
        '${"10" > 9}',
        '${"10" >= 10}',
        '${variables.count > null}',
        '${null < 1}',
        '${null <= null}',
        '${true > false}',
        '${true >= true}',
        '${variables.missing < 1}',
        '${variables.missing >= variables.missing}',
        '${variables.list > 0}',
        '${variables.nested < "z"}',
      ];
      for (const text of mixed) expect(resolveTemplate(text, scope()), text).to.equal(false);
    });

    it('refuses a comparison chain and operators outside the grammar', () => {
      for (const text of ['${1 < 2 < 3}', '${variables.count = 3}', '${variables.count === 3}', '${variables.count & 1}', '${variables.count | 1}', '${-variables.count}']) {
        expectRefused(text);
      }
    });

    it('refuses incomplete expressions', () => {
      for (const text of ['${}', '${   }', '${variables.}', '${variables.count ==}', '${(variables.count}', '${variables.list[}', '${variables.list[0}', '${!}', '${&& true}']) {
        expectRefused(text);
      }
    });
  });

  describe('templates', () => {
    it('returns text without expressions unchanged', () => {
      expect(resolveTemplate('Review the nonconformity', scope())).to.equal('Review the nonconformity');
      expect(resolveTemplate('costs $5 {approx}', scope())).to.equal('costs $5 {approx}');
      expect(resolveTemplate('', scope())).to.equal('');
    });

    it('keeps the type of a whole-text expression', () => {
      expect(resolveTemplate('${variables.count}', scope())).to.be.a('number');
      expect(resolveTemplate('${variables.list}', scope())).to.deep.equal(['first', { name: 'second' }]);
      expect(resolveTemplate('${output.review}', scope())).to.deep.equal({ decision: 'accept', score: 7 });
    });

    it('interpolates expressions inside text as strings', () => {
      expect(resolveTemplate('Review ${variables.title}', scope())).to.equal('Review Scrap rate above limit');
      expect(resolveTemplate('${variables.owner} has ${variables.count} actions', scope())).to.equal('alice has 3 actions');
      expect(resolveTemplate('${variables.owner}${variables.count}', scope())).to.equal('alice3');
      expect(resolveTemplate('Due ${item.due} for ${content.item.owner}', scope())).to.equal('Due 2026-12-01 for bob');
      expect(resolveTemplate('flag=${variables.flag}, ok=${variables.count > 1}', scope())).to.equal('flag=true, ok=true');
    });

    it('interpolates a missing path or null as an empty string', () => {
      expect(resolveTemplate('Review ${variables.missing}', scope())).to.equal('Review ');
      expect(resolveTemplate('[${variables.nothing}]', scope())).to.equal('[]');
      expect(resolveTemplate('[${output.none.at.all}]', scope())).to.equal('[]');
    });

    it('refuses the whole text when any one expression in it is refused', () => {
      const err = expectRefused('Review ${variables.title} for ${variables.constructor}');
      expect(err.message).to.include('constructor');
    });

    it('refuses an unterminated ${', () => {
      expectRefused('Review ${variables.title');
      expectRefused('Review ${variables.title} and ${');
      expect(expressionBodies('a ${variables.x} b ${variables.y')).to.have.length(2);
      expect(checkExpressions('a ${variables.x} b ${variables.y')).to.be.a('string');
    });

    it('refuses an expression longer than 500 characters, and accepts one of exactly 500', () => {
      const exactly500 = `variables.${'a'.repeat(490)}`;
      expect(exactly500).to.have.length(500);
      expect(resolveTemplate(`\${${exactly500}}`, scope())).to.equal(undefined);
      const err = expectRefused(`\${${exactly500}b}`);
      expect(err.message).to.match(/longer than 500/);
      expectRefused(`\${${'('.repeat(300)}true${')'.repeat(300)}}`);
      expectRefused(`Text \${variables.${'x'.repeat(600)}} text`);
    });

    it('handles deep nesting within the length limit', () => {
      const depth = 240;
      expect(resolveTemplate(`\${${'('.repeat(depth)}variables.flag${')'.repeat(depth)}}`, scope())).to.equal(true);
      expect(resolveTemplate(`\${${'!'.repeat(496)}true}`, scope())).to.equal(true);
    });
  });

  describe('refuses every attack string (test/fixtures/hostile/expression-attacks.txt)', () => {
    it('has attacks to check', () => {
      expect(ATTACKS.length).to.be.greaterThan(40);
      for (const attack of ATTACKS) expect(attack, attack).to.match(/^\$\{.*\}$/);
    });

    for (const attack of ATTACKS) {
      it(`refuses ${attack}`, () => {
        expectRefused(attack);
        expectRefused(`Review ${attack}`);
        expectRefused(`${attack} and \${variables.title}`);
        expect(checkExpressions(attack), 'validation must report it too').to.be.a('string');
        expect(checkExpressions(`Review ${attack} now`)).to.be.a('string');
      });
    }

    it('refuses them even when the scope holds the objects an attack reaches for', () => {
      const polluted = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"constructor": "x"}, "prototype": 1}') as Record<string, unknown>;
      const where: ExpressionScope = { variables: { x: polluted, ...polluted }, output: { __proto__: polluted } as Record<string, unknown>, item: polluted };
      for (const text of ['${variables.x.__proto__}', '${variables.constructor}', '${variables.x.constructor.constructor}', '${variables.prototype}', '${item.__proto__.polluted}']) {
        expectRefused(text, where);
      }
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });
  });

  describe('parse', () => {
    it('refuses variables.constructor and output.__proto__ at parse time, before any scope is read', () => {
      expect(() => parse('variables.constructor')).to.throw(ExpressionError, /constructor/);
      expect(() => parse('output.__proto__')).to.throw(ExpressionError, /__proto__/);
      expect(() => parse('item.prototype')).to.throw(ExpressionError, /prototype/);
      expect(() => parse('environment.variables.constructor')).to.throw(ExpressionError, /constructor/);
      expect(() => parse('variables.x.constructor.constructor("return process")()')).to.throw(ExpressionError, /function calls/);
    });

    it('gives a tree that evaluate walks without touching prototypes', () => {
      const tree = parse('variables.count >= 3 && !variables.missing');
      expect(evaluate(tree, scope())).to.equal(true);
      expect(evaluate(parse('variables.toString'), scope())).to.equal(undefined);
    });

    it('caches only what it accepted: a refused body is refused again', () => {
      expect(() => parse('variables.__proto__')).to.throw(ExpressionError);
      expect(() => parse('variables.__proto__')).to.throw(ExpressionError);
    });
  });
});
