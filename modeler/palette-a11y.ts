/**
 * The palette by keyboard (issue 15 step 13). diagram-js draws its entries as `<div class="entry"
 * role="button">` that only a mouse can use: a click starts a drag that the next mouse click drops. Here
 * every entry takes focus (tabindex 0) and Enter or Space does what a keyboard can do with it:
 *
 * - a "create" entry adds its element: after the selected element, connected to it and placed by bpmn-js's
 *   autoPlace (as the context pad's "append" does), or, with nothing selected, at the centre of the view;
 * - a tool (hand, lasso, space, connect) is switched on as its shortcut key (H, L, S, C) would.
 *
 * What was added is announced in a status line, and the new element is selected.
 */
import { el } from './http.js';
import { wordsOf, type WordId, type Words } from './words.js';

interface Shape {
  id: string;
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  waypoints?: unknown;
  parent?: Shape;
  businessObject?: { name?: string; $type: string };
}
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Create entries (bpmn-js PaletteProvider) and the element each adds; other create entries need a mouse. */
const CREATES: Record<string, { type: string; words: WordId; isExpanded?: boolean }> = {
  'create.start-event': { type: 'bpmn:StartEvent', words: 'modeler.palette.startEvent' },
  'create.intermediate-event': { type: 'bpmn:IntermediateThrowEvent', words: 'modeler.palette.intermediateEvent' },
  'create.end-event': { type: 'bpmn:EndEvent', words: 'modeler.palette.endEvent' },
  'create.exclusive-gateway': { type: 'bpmn:ExclusiveGateway', words: 'modeler.palette.gateway' },
  'create.task': { type: 'bpmn:Task', words: 'modeler.palette.task' },
  'create.data-object': { type: 'bpmn:DataObjectReference', words: 'modeler.palette.dataObject' },
  'create.data-store': { type: 'bpmn:DataStoreReference', words: 'modeler.palette.dataStore' },
  'create.subprocess-expanded': { type: 'bpmn:SubProcess', words: 'modeler.palette.subProcess', isExpanded: true },
};
/** Tools and the editor action their shortcut key triggers. */
const TOOLS: Record<string, { action: string; key: string }> = {
  'hand-tool': { action: 'handTool', key: 'H' },
  'lasso-tool': { action: 'lassoTool', key: 'L' },
  'space-tool': { action: 'spaceTool', key: 'S' },
  'global-connect-tool': { action: 'globalConnectTool', key: 'C' },
};

function PaletteKeyboard(
  this: unknown,
  eventBus: { on(event: string, fn: (e: { container?: HTMLElement }) => void): void },
  canvas: { getContainer(): HTMLElement; viewbox(): Box; getRootElement(): Shape },
  elementFactory: { createShape(attrs: Record<string, unknown>): Shape },
  modeling: { createShape(shape: Shape, position: { x: number; y: number }, parent: Shape): Shape },
  autoPlace: { append(source: Shape, shape: Shape): Shape },
  selection: { get(): Shape[]; select(element: Shape): void },
  editorActions: { trigger(action: string): void },
  elementRegistry: { filter(fn: (e: Shape) => boolean): Shape[] },
) {
  let status: HTMLElement | undefined;
  // the page's words (words.ts), read once the canvas is in the page
  let pageWords: Words | undefined;
  const words = () => (pageWords ??= wordsOf(canvas.getContainer()));
  const say = (text: string) => {
    if (!status) {
      status = el('p', { class: 'vh', role: 'status' });
      canvas.getContainer().append(status);
    }
    status.textContent = text;
  };

  const focusable = (container: HTMLElement) => {
    container.setAttribute('role', 'toolbar');
    container.setAttribute('aria-label', words().say('modeler.palette.group'));
    for (const entry of container.querySelectorAll<HTMLElement>('.entry[data-action]')) {
      const id = entry.dataset.action ?? '';
      if (!CREATES[id] && !TOOLS[id]) continue;
      entry.tabIndex = 0;
      entry.setAttribute('role', 'button');
      // diagram-js names an entry by its aria-label, which this replaces: the first name is kept, so that
      // a second palette.changed (entries not redrawn) does not say the hint twice
      const title = (entry.dataset.imsTitle ??= entry.getAttribute('title') ?? entry.getAttribute('aria-label') ?? id);
      entry.setAttribute('aria-label', TOOLS[id] ? words().say('modeler.palette.shortcut', { title, key: TOOLS[id].key }) : words().say('modeler.palette.enterAdds', { title }));
      if (TOOLS[id]) entry.setAttribute('aria-keyshortcuts', TOOLS[id].key);
    }
  };

  /**
   * Where a new element goes when nothing is selected: the middle of the view, moved down below whatever is
   * drawn there (so it covers nothing), inside the pool under it if any.
   */
  const centre = (size: { width: number; height: number }): { position: { x: number; y: number }; parent: Shape } => {
    const view = canvas.viewbox();
    const position = { x: Math.round(view.x + view.width / 2), y: Math.round(view.y + view.height / 2) };
    const covers = (e: Shape) =>
      !e.waypoints && e.type !== 'label' && e.type !== 'bpmn:Participant' && e.type !== 'bpmn:Lane' && e.parent !== undefined &&
      Math.abs(e.x + e.width / 2 - position.x) < (e.width + size.width) / 2 + 10 &&
      Math.abs(e.y + e.height / 2 - position.y) < (e.height + size.height) / 2 + 10;
    for (let tries = 0; tries < 20; tries += 1) {
      const below = elementRegistry.filter(covers);
      if (!below.length) break;
      position.y = Math.max(...below.map((e) => e.y + e.height)) + 30 + size.height / 2;
    }
    const root = canvas.getRootElement();
    const pool = elementRegistry.filter((e) => e.type === 'bpmn:Participant' && position.x >= e.x && position.x <= e.x + e.width && position.y >= e.y && position.y <= e.y + e.height)[0];
    return { position, parent: pool ?? root };
  };

  const add = (id: string) => {
    const create = CREATES[id]!;
    const shape = elementFactory.createShape({ type: create.type, ...(create.isExpanded && { isExpanded: true }) });
    const [selected, ...more] = selection.get();
    if (selected && !more.length && !selected.waypoints && selected.type !== 'label') {
      const added = autoPlace.append(selected, shape);
      selection.select(added);
      const name = selected.businessObject?.name;
      const what = words().say(create.words);
      say(name ? words().say('modeler.palette.addedAfter', { what, name }) : words().say('modeler.palette.addedAfterSelected', { what }));
      return;
    }
    const { position, parent } = centre(shape);
    const added = modeling.createShape(shape, position, parent);
    selection.select(added);
    say(words().say('modeler.palette.addedMiddle', { what: words().say(create.words) }));
  };

  let palette: HTMLElement | undefined;
  eventBus.on('palette.create', ({ container }) => {
    if (!container) return;
    palette = container;
    container.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      const entry = (event.target as HTMLElement).closest<HTMLElement>('.entry[data-action]');
      const id = entry?.dataset.action ?? '';
      if (!CREATES[id] && !TOOLS[id]) return;
      event.preventDefault();
      event.stopPropagation();
      if (CREATES[id]) add(id);
      else editorActions.trigger(TOOLS[id]!.action);
    });
  });
  // entries are (re)drawn after palette.create; palette.changed follows each drawing
  eventBus.on('palette.changed', () => {
    if (palette) focusable(palette);
  });
}
PaletteKeyboard.$inject = ['eventBus', 'canvas', 'elementFactory', 'modeling', 'autoPlace', 'selection', 'editorActions', 'elementRegistry'];

export const paletteKeyboardModule = {
  __init__: ['paletteKeyboard'],
  paletteKeyboard: ['type', PaletteKeyboard],
};
