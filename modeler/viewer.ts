/**
 * The read-only process diagram on record pages. Progressive enhancement: a page holds
 *
 *   <div id="diagram" data-bpmn-url="/api/definitions/<key>/versions/<v>" data-active="<element ids>"></div>
 *
 * plus /assets/viewer.css and /assets/viewer.js; this script fetches the BPMN XML from the same origin
 * (with the session cookie), renders it with bpmn-js's NavigatedViewer (pan and zoom, no editing) and
 * marks the current steps (comma-separated element ids in data-active) with the class `ims-active`.
 *
 * The container's data-state tells the page (and the tests) where it is: loading, ready or error; the
 * event `ims:diagram` fires on it when it settles. The bpmn.io watermark that bpmn-js adds stays visible:
 * the bpmn-js licence requires it.
 */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './viewer.css';
import { readableLabelsModule } from './label-templates.js';
import { readableFit, zoomControls, type FitCanvas, type FitRegistry } from './diagram-view.js';
import { wordsOf } from './words.js';
import { drawnName } from '../engine/kernel/present/templates.js';

export const ACTIVE_CLASS = 'ims-active';

interface Canvas extends FitCanvas {
  addMarker(element: string, marker: string): void;
}
interface ElementRegistry extends FitRegistry {
  get(id: string): { businessObject?: { name?: string } } | undefined;
}

/** Ids from a comma-separated attribute, trimmed, without blanks or repeats. */
export function parseIds(value: string | undefined): string[] {
  return [...new Set((value ?? '').split(',').map((id) => id.trim()).filter(Boolean))];
}

function settle(container: HTMLElement, state: 'ready' | 'error', detail: Record<string, unknown>): void {
  container.dataset.state = state;
  container.removeAttribute('aria-busy');
  container.dispatchEvent(new CustomEvent('ims:diagram', { detail: { state, ...detail } }));
}

function fail(container: HTMLElement, message: string): void {
  container.replaceChildren();
  const p = document.createElement('p');
  p.className = 'ims-diagram-error';
  p.setAttribute('role', 'alert');
  p.textContent = message;
  container.append(p);
  settle(container, 'error', { message });
}

export async function showDiagram(container: HTMLElement): Promise<void> {
  const source = container.dataset.bpmnUrl ?? '';
  const url = new URL(source, window.location.href);
  container.dataset.state = 'loading';
  container.setAttribute('aria-busy', 'true');
  // The XML is fetched with the signed-in person's cookie: never send it to another origin.
  if (url.origin !== window.location.origin) return fail(container, 'The process diagram is not shown: its address is on another site.');

  let xml: string;
  try {
    const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/xml' } });
    if (!response.ok) {
      const reason = response.status === 401 ? 'sign in to see it' : response.status === 404 ? 'this version of the process was not found' : `the server answered ${response.status}`;
      return fail(container, `The process diagram could not be loaded: ${reason}.`);
    }
    xml = await response.text();
  } catch {
    return fail(container, 'The process diagram could not be loaded: the server did not answer.');
  }

  const viewer = new NavigatedViewer({ container, additionalModules: [readableLabelsModule] });
  try {
    await viewer.importXML(xml);
  } catch (err) {
    viewer.destroy();
    return fail(container, `The process diagram could not be shown: ${err instanceof Error ? err.message : String(err)}`);
  }
  const canvas = viewer.get<Canvas>('canvas');
  const registry = viewer.get<ElementRegistry>('elementRegistry');
  const fit = () => readableFit(canvas, registry);
  fit();
  // zoom buttons above the frame (the drawing itself takes + − 0 and the arrow keys once focused)
  container.before(zoomControls(container, wordsOf(container).say('modeler.zoom.processDiagram'), { stepZoom: (delta) => viewer.get<{ stepZoom(d: number): void }>('zoomScroll').stepZoom(delta), fit }));
  container.querySelector('svg')?.setAttribute('tabindex', '0');

  const active: string[] = [];
  const names: string[] = [];
  for (const id of parseIds(container.dataset.active)) {
    const element = registry.get(id);
    if (!element) continue; // a step of another version: nothing to mark
    canvas.addMarker(id, ACTIVE_CLASS);
    active.push(id);
    names.push(drawnName(element.businessObject?.name || id));
  }
  // The drawing itself says nothing to a screen reader: the container does. A figure, not an img: it holds
  // the bpmn.io watermark link, and an img may hold nothing interactive (axe nested-interactive).
  container.setAttribute('role', 'figure');
  container.setAttribute('aria-label', names.length ? `Process diagram. Current step: ${names.join(', ')}.` : 'Process diagram.');
  settle(container, 'ready', { active });
}

const container = document.querySelector<HTMLElement>('#diagram[data-bpmn-url]');
if (container) void showDiagram(container);
