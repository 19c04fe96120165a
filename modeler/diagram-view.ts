import { el } from './http.js';
import { wordsOf, type Words } from './words.js';
import './zoom.css';

/**
 * How a diagram is first shown, and zoomed by buttons and keys (issue 15 step 12). bpmn-js's own
 * `zoom('fit-viewport')` shrinks a wide process until its labels cannot be read (0.3 on a phone) and lets
 * the palette cover the start event. A readable fit fits the diagram into the part of the canvas nothing
 * covers, never below MIN_READABLE_ZOOM; when that does not show it all, it starts at the start event, where
 * a reader starts, and the rest is a pan away.
 */

export const MIN_READABLE_ZOOM = 0.6;
const PADDING = 20;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Shape extends Box {
  type: string;
  waypoints?: unknown;
}
export interface FitCanvas {
  getSize(): { width: number; height: number };
  viewbox(box?: Box): Box & { inner: Box; scale: number };
  zoom(level?: number | string, center?: unknown): number;
}
export interface FitRegistry {
  filter(fn: (element: Shape) => boolean): Shape[];
}

/**
 * Fits the diagram into the canvas minus `inset` (the palette's strip on the left), at a scale between
 * MIN_READABLE_ZOOM and 1; at the minimum, the start event sits at the left edge of the free area. Returns the scale.
 */
export function readableFit(canvas: FitCanvas, registry: FitRegistry, inset: { left?: number; top?: number } = {}): number {
  const size = canvas.getSize();
  const { inner } = canvas.viewbox();
  const left = (inset.left ?? 0) + PADDING;
  const top = (inset.top ?? 0) + PADDING;
  const free = { width: Math.max(size.width - left - PADDING, 1), height: Math.max(size.height - top - PADDING, 1) };
  if (!inner.width || !inner.height) {
    canvas.zoom(1);
    return 1;
  }
  const fits = Math.min(free.width / inner.width, free.height / inner.height, 1);
  const scale = Math.max(fits, MIN_READABLE_ZOOM);
  const shown = { width: inner.width * scale, height: inner.height * scale };
  // centred in the free area where it fits; else from the start event (or the diagram's left edge)
  let x = inner.x - (left + Math.max(free.width - shown.width, 0) / 2) / scale;
  let y = inner.y - (top + Math.max(free.height - shown.height, 0) / 2) / scale;
  if (shown.width > free.width || shown.height > free.height) {
    const start = registry.filter((e) => e.type === 'bpmn:StartEvent' && !e.waypoints).sort((a, b) => a.x - b.x)[0];
    if (start && shown.width > free.width) x = start.x - left / scale;
    if (start && shown.height > free.height) y = start.y + start.height / 2 - (top + free.height / 2) / scale;
  }
  canvas.viewbox({ x, y, width: size.width / scale, height: size.height / scale });
  return scale;
}

export interface Zoomable {
  stepZoom(delta: number): void;
  fit(): void;
}

/**
 * Zoom in, zoom out and fit buttons for a diagram, and the same on the keyboard (+, − and 0) while the
 * diagram or a button has focus. Returns the button group, to place where the page wants it.
 */
export function zoomControls(diagram: HTMLElement, label: string, zoom: Zoomable, words: Words = wordsOf(diagram)): HTMLElement {
  const { say } = words;
  const button = (text: string, name: string, keys: string, act: () => void) => {
    const b = el('button', { type: 'button', class: 'secondary small', 'aria-label': `${name} (${label})`, title: `${name} (${keys})`, 'aria-keyshortcuts': keys }, text);
    b.addEventListener('click', act);
    return b;
  };
  const group = el(
    'div',
    { class: 'ims-zoom', role: 'group', 'aria-label': say('modeler.zoom.group', { label }) },
    button('+', say('modeler.zoom.in'), '+', () => zoom.stepZoom(1)),
    button('−', say('modeler.zoom.out'), '-', () => zoom.stepZoom(-1)),
    button(say('modeler.zoom.fit'), say('modeler.zoom.fitTitle'), '0', () => zoom.fit()),
  );
  const onKey = (event: KeyboardEvent) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const act = event.key === '+' || event.key === '=' ? () => zoom.stepZoom(1) : event.key === '-' ? () => zoom.stepZoom(-1) : event.key === '0' ? () => zoom.fit() : undefined;
    if (!act) return;
    event.preventDefault();
    act();
  };
  diagram.addEventListener('keydown', onKey);
  group.addEventListener('keydown', onKey);
  return group;
}
