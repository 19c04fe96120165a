import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { DefinitionProblem } from '../../engine/kernel/bpmn/lint.js';
import { parseBpmnXml, type ModdleElement } from '../../engine/kernel/bpmn/parse.js';
import { useBrowser } from '../support/browser.js';

/**
 * Interchange: every MIWG reference diagram (test/fixtures/miwg/, copied with its licence from the OMG
 * BPMN MIWG test suite) opens in bpmn-js's Modeler in real Chromium, saves, and opens again; the saved
 * file holds the same elements, the same diagram shapes and edges (ids, bounds, waypoints) and the same
 * foreign attributes as the original. What imsflow cannot execute is reported by the problems panel's
 * rule set (run in the page, on the saved XML), naming elements that are still in the file: reported,
 * not dropped.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'miwg');
const FILES = readdirSync(FIXTURES).filter((f) => f.endsWith('.bpmn')).sort();

/** Element types imsflow refuses to run (engine/kernel/bpmn/validate.ts): each must be named by a problem. */
const NOT_EXECUTABLE = ['bpmn:ScriptTask', 'bpmn:CallActivity', 'bpmn:SendTask', 'bpmn:ReceiveTask', 'bpmn:ManualTask', 'bpmn:BusinessRuleTask', 'bpmn:EventBasedGateway', 'bpmn:ComplexGateway', 'bpmn:Transaction', 'bpmn:AdHocSubProcess'];

/** The page script: bpmn-js's Modeler configured as the editor configures it, and the modeler's problems module. */
const ENTRY = `
import Modeler from 'bpmn-js/lib/Modeler';
import { imsModdleDescriptor } from './engine/kernel/bpmn/ims-moddle.ts';
import { problemsOf } from './modeler/problems.ts';
import { keepUnrenderedDiModule } from './modeler/keep-di.ts';

function open(xml) {
  const container = document.createElement('div');
  container.style.cssText = 'width:1200px;height:800px;position:relative';
  document.body.append(container);
  const modeler = new Modeler({ container, moddleExtensions: { ims: imsModdleDescriptor }, additionalModules: [keepUnrenderedDiModule] });
  return modeler.importXML(xml).then(({ warnings }) => ({ modeler, warnings: warnings.map((w) => w.message) }));
}

window.roundTrip = async (xml) => {
  const first = await open(xml);
  const ids = (m) => m.get('elementRegistry').getAll().map((e) => e.id).sort();
  const { xml: saved } = await first.modeler.saveXML({ format: true });
  const second = await open(saved);
  const problems = await problemsOf(saved, new Set());
  return { saved, firstIds: ids(first.modeler), secondIds: ids(second.modeler), firstWarnings: first.warnings, secondWarnings: second.warnings, problems };
};
`;

interface RoundTrip {
  saved: string;
  firstIds: string[];
  secondIds: string[];
  firstWarnings: string[];
  secondWarnings: string[];
  problems: DefinitionProblem[];
}

const GEOMETRY = new Set(['dc:Bounds', 'dc:Point']);
const SKIP = new Set(['$parent', '$descriptor', '$model']);

/**
 * What a file holds, as comparable text: every model element with an id (type, id, its foreign attributes),
 * how many elements of each type there are (also those without ids: documentation, expressions, extension
 * elements), and the diagram: each shape's bounds and label bounds, each edge's waypoints.
 */
async function snapshot(xml: string): Promise<{ elements: string[]; counts: Record<string, number>; diagram: string[] }> {
  const context = await parseBpmnXml(xml);
  const elements: string[] = [];
  const counts: Record<string, number> = {};
  const diagram: string[] = [];
  const seen = new Set<object>();
  const geometry = (value: ModdleElement | undefined) => (value ? `${value.x},${value.y},${value.width},${value.height}` : '-');
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) return node.forEach(visit);
    const element = node as ModdleElement;
    if (element.$type) {
      counts[element.$type] = (counts[element.$type] ?? 0) + 1;
      // Foreign attributes count; namespace declarations do not (a writer may declare them elsewhere).
      const foreign = Object.keys(element.$attrs ?? {}).filter((name) => name !== 'xmlns' && !name.startsWith('xmlns:'));
      if (element.id && !GEOMETRY.has(element.$type)) elements.push(`${element.$type}#${element.id} ${foreign.sort().join(' ')}`.trim());
      if (element.$type === 'bpmndi:BPMNShape') diagram.push(`shape ${element.id} → ${element.bpmnElement?.id} ${geometry(element.bounds)} label ${geometry(element.label?.bounds)}`);
      if (element.$type === 'bpmndi:BPMNEdge') diagram.push(`edge ${element.id} → ${element.bpmnElement?.id} ${(element.waypoint ?? []).map((p: ModdleElement) => `${p.x},${p.y}`).join(' ')}`);
    }
    for (const [key, value] of Object.entries(element)) if (!SKIP.has(key)) visit(value);
  };
  visit(context.rootElement);
  return { elements: elements.sort(), counts, diagram: diagram.sort() };
}

/** Flow element id → the id of the process that holds it (sub-processes included). */
async function processes(xml: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  const walk = (scope: ModdleElement, processId: string) => {
    for (const element of (scope.flowElements ?? []) as ModdleElement[]) {
      if (element.id) map.set(element.id, processId);
      walk(element, processId);
    }
  };
  for (const root of ((await parseBpmnXml(xml)).rootElement.rootElements ?? []) as ModdleElement[]) if (root.$type === 'bpmn:Process') walk(root, root.id ?? '');
  return map;
}

describe('MIWG reference diagrams: import → save → re-import in bpmn-js (real Chromium)', function () {
  this.timeout(120_000);
  const browser = useBrowser();
  let script = '';

  before(async function () {
    const result = await build({
      stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'js', sourcefile: 'miwg-page.js' },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    script = result.outputFiles[0]!.text;
  });

  it('has every reference diagram of the corpus as a fixture, with its licence and attribution', () => {
    expect(FILES).to.deep.equal(['A.1.0.bpmn', 'A.2.0.bpmn', 'A.2.1.bpmn', 'A.3.0.bpmn', 'A.4.0.bpmn', 'A.4.1.bpmn', 'B.1.0.bpmn', 'B.2.0.bpmn', 'C.1.0.bpmn', 'C.1.1.bpmn', 'C.2.0.bpmn']);
    expect(readFileSync(join(FIXTURES, 'LICENSE.txt'), 'utf8')).to.match(/Creative Commons Attribution 3\.0/);
    expect(readFileSync(join(FIXTURES, 'README.md'), 'utf8')).to.match(/bpmn-miwg-test-suite/);
  });

  for (const file of FILES) {
    it(`${file}: re-opens with the same elements, shapes and edges, reporting what cannot run`, async () => {
      const original = readFileSync(join(FIXTURES, file), 'utf8');
      const { page, log } = await browser.newPage();
      await page.setContent('<!doctype html><html><body></body></html>');
      await page.addScriptTag({ content: script });
      const result = (await page.evaluate(`window.roundTrip(${JSON.stringify(original)})`)) as RoundTrip;
      expect(log.errors, 'page errors').to.deep.equal([]);

      // Nothing lost between the file and what bpmn-js saves.
      const before = await snapshot(original);
      const after = await snapshot(result.saved);
      const difference = (a: string[], b: string[]) => ({ lost: a.filter((x) => !b.includes(x)), added: b.filter((x) => !a.includes(x)) });
      expect(difference(before.elements, after.elements), 'elements (type, id, foreign attributes)').to.deep.equal({ lost: [], added: [] });
      expect(difference(before.diagram, after.diagram), 'diagram shapes and edges').to.deep.equal({ lost: [], added: [] });
      // bpmn-js gives a collapsed sub-process a diagram plane of its own (drill-down): added, never lost.
      const planes = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([type]) => type !== 'bpmndi:BPMNDiagram' && type !== 'bpmndi:BPMNPlane'));
      expect(planes(after.counts), 'elements of each type').to.deep.equal(planes(before.counts));
      expect(after.counts['bpmndi:BPMNDiagram']).to.be.at.least(before.counts['bpmndi:BPMNDiagram']!);
      expect(before.diagram.length, 'the file has a diagram').to.be.greaterThan(0);

      // The saved file opens again, drawing the same elements, with no more warnings than the first time.
      expect(result.secondIds).to.deep.equal(result.firstIds);
      expect(result.firstIds.length).to.be.greaterThan(1);
      expect(result.secondWarnings.length).to.be.at.most(result.firstWarnings.length);

      // What imsflow cannot execute is named by a problem, and is still in the saved file.
      expect(result.problems.length, 'a reference diagram is not an imsflow process').to.be.greaterThan(0);
      const notExecutable = before.elements.filter((e) => NOT_EXECUTABLE.some((type) => e.startsWith(`${type}#`))).map((e) => e.split('#')[1]!.split(' ')[0]!);
      // (an element of a pool that is not the executable process is refused with its pool: the problem names the pool's process)
      const named = new Set(result.problems.map((p) => p.element));
      const processOf = await processes(original);
      for (const id of notExecutable) expect(named.has(id) || named.has(processOf.get(id) ?? ''), `a problem names ${id} or its process ${processOf.get(id)}`).to.equal(true);
      const ids = new Set(after.elements.map((e) => e.split('#')[1]!.split(' ')[0]!));
      for (const problem of result.problems) {
        if (problem.element !== 'definitions' && problem.element !== 'xml') expect(ids.has(problem.element), `${problem.element} (${problem.message}) is in the saved file`).to.equal(true);
      }
    });
  }

  it('names the corpus\'s unsupported elements (script conditions, message events, call activities, …)', async () => {
    const { page } = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: script });
    const messages: string[] = [];
    for (const file of ['A.2.1.bpmn', 'B.2.0.bpmn', 'C.2.0.bpmn']) {
      const result = (await page.evaluate(`window.roundTrip(${JSON.stringify(readFileSync(join(FIXTURES, file), 'utf8'))})`)) as RoundTrip;
      messages.push(...result.problems.map((p) => p.message));
    }
    expect(messages.join('\n')).to.include('script conditions').and.include('Message events are not supported').and.include('call activities are not supported').and.include('exactly one process must be marked executable');
  });
});
