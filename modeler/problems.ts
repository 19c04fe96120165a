import { checkDefinition, type DefinitionProblem } from '../engine/kernel/bpmn/lint.js';
import { InvalidDefinitionError, TooLargeError } from '../engine/kernel/errors.js';
import { problemIn } from '../engine/kernel/bpmn/problem-language.js';
import { el } from './http.js';
import type { Words } from './words.js';

/**
 * The problems panel: runs the server's own rule set (engine/kernel/bpmn/lint.ts: bpmnlint rules plus
 * validateDefinition, on the XML bpmn-js saves, parsed by engine/kernel/bpmn/parse.ts) while the person draws,
 * lists what it finds, marks the elements on the canvas, and selects an element when its problem is
 * clicked. What it lists is exactly what submitting or deploying would refuse. Sentences are said in the
 * reader's language from each problem's code and args (engine/kernel/bpmn/problem-language.ts), the panel's
 * own words come from the page (words.ts).
 */

export const PROBLEM_MARKER = 'ims-problem';

interface Services {
  elementRegistry: { get(id: string): unknown };
  canvas: { addMarker(id: string, marker: string): void; removeMarker(id: string, marker: string): void; scrollToElement(element: unknown): void; getRootElement(): unknown };
  selection: { select(element: unknown): void };
}

/** Problems of a BPMN text by the shared rules; a file that cannot even be parsed gives its parse problem. */
export async function problemsOf(xml: string, services: ReadonlySet<string>, fieldTypes: ReadonlySet<string> = new Set()): Promise<DefinitionProblem[]> {
  try {
    return (await checkDefinition(xml, { services, fieldTypes })).problems;
  } catch (err) {
    if (err instanceof InvalidDefinitionError) return err.problems;
    if (err instanceof TooLargeError) return [{ element: 'xml', message: err.message }];
    throw err;
  }
}

export class ProblemsPanel {
  private marked: string[] = [];
  problems: DefinitionProblem[] = [];

  constructor(
    private readonly list: HTMLElement,
    private readonly summary: HTMLElement,
    private readonly get: <K extends keyof Services>(name: K) => Services[K],
    private readonly words: Words,
    /** The count by the toolbar's Save button (issue 15): a link to the list, read out when it changes. */
    private readonly count?: HTMLElement,
  ) {}

  /** A problem's sentence in the reader's language. */
  sentence(problem: DefinitionProblem): string {
    return problemIn(problem, this.words.locale, this.words.messages);
  }

  /** The problems of one element, for the side panel. */
  of(id: string): string[] {
    return this.problems.filter((p) => p.element === id).map((p) => this.sentence(p));
  }

  show(problems: DefinitionProblem[]): void {
    this.problems = problems;
    const canvas = this.get('canvas');
    const registry = this.get('elementRegistry');
    for (const id of this.marked) if (registry.get(id)) canvas.removeMarker(id, PROBLEM_MARKER);
    this.marked = [...new Set(problems.map((p) => p.element))].filter((id) => registry.get(id));
    for (const id of this.marked) canvas.addMarker(id, PROBLEM_MARKER);

    const { say } = this.words;
    const count = problems.length;
    this.summary.textContent = count ? say('modeler.problems.summary', { count }) : say('modeler.problems.summaryNone');
    this.summary.dataset.count = String(problems.length);
    if (this.count) {
      this.count.textContent = count ? say('modeler.problems.count', { count }) : say('modeler.problems.none');
      this.count.dataset.count = String(problems.length);
    }
    // The sentence names the element by its name (engine/kernel/bpmn/problem-words.ts); the id and the rule are
    // the technical detail, folded away, and the button selects the element.
    this.list.replaceChildren(
      ...problems.map((problem) => {
        const known = Boolean(registry.get(problem.element));
        const button = el(
          'button',
          { type: 'button', class: 'link ims-problem-link', 'data-element': problem.element, ...(problem.code && { 'data-code': problem.code }), ...(problem.rule && { 'data-rule': problem.rule }), disabled: !known },
          this.sentence(problem),
        );
        button.addEventListener('click', () => this.reveal(problem.element));
        const detail = el(
          'details',
          { class: 'ims-problem-detail' },
          el('summary', {}, say('modeler.problems.details')),
          el(
            'span',
            { class: 'hint' },
            `${say('modeler.problems.elementId')} `,
            el('code', {}, problem.element),
            problem.rule ? say('modeler.problems.checkedBy', { rule: problem.rule }) : '',
            problem.code ? say('modeler.problems.code', { code: problem.code }) : '',
          ),
        );
        return el('li', {}, button, detail);
      }),
    );
  }

  /** Selects an element and scrolls it into view (a problem's element, clicked in the list). */
  reveal(id: string): void {
    const element = this.get('elementRegistry').get(id);
    if (!element) return;
    this.get('canvas').scrollToElement(element);
    this.get('selection').select(element);
  }
}
