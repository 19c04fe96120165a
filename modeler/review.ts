/**
 * The review page (/modeler/drafts/:id/review): the current version and the proposed one side by side in
 * two NavigatedViewers (pan and zoom kept in step), the added / removed / changed / moved elements
 * coloured, the list of changed fields (every ims: attribute and form field, from GET
 * /api/drafts/:id/changes), the raw XML diff; then the signed decision and, once approved, publication.
 */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './modeler.css';
import type { DefinitionDiff, ElementChangeKind as Change } from '../engine/kernel/bpmn/diff.js';
import { imsModdleDescriptor } from '../engine/kernel/bpmn/ims-moddle.js';
import type { DraftRecord as Draft } from '../engine/kernel/model.js';
import { readableFit, zoomControls, type FitCanvas, type FitRegistry } from './diagram-view.js';
import { $, announce, api, el, utc } from './http.js';
import { wordsOf } from './words.js';

/** What GET /api/drafts/:id/changes gives: the diff against the base version, and both texts. */
type Changes = DefinitionDiff & { base: { version: number; xml: string } | null; xml: string };

interface Viewbox {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Canvas extends FitCanvas {
  addMarker(id: string, marker: string): void;
  scrollToElement(element: unknown): void;
}


function show(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface View {
  canvas: Canvas;
  registry: { get(id: string): unknown } & FitRegistry;
  zoomScroll: { stepZoom(delta: number): void };
  on(event: string, fn: (e: any) => void): void;
}

async function diagram(container: HTMLElement, xml: string, marks: Map<string, Change>, label: string): Promise<View> {
  const viewer = new NavigatedViewer({ container, moddleExtensions: { ims: imsModdleDescriptor } });
  await viewer.importXML(xml);
  const canvas = viewer.get<Canvas>('canvas');
  const registry = viewer.get<View['registry']>('elementRegistry');
  readableFit(canvas, registry);
  const counts: Record<string, number> = {};
  for (const [id, change] of marks) {
    if (!registry.get(id)) continue;
    canvas.addMarker(id, `ims-${change}`);
    container.querySelector(`[data-element-id="${CSS.escape(id)}"]`)?.setAttribute('data-change', change);
    counts[change] = (counts[change] ?? 0) + 1;
  }
  const summary = Object.entries(counts).map(([change, n]) => `${n} ${change}`).join(', ');
  // The drawing takes focus (arrow keys pan it, + and − zoom, 0 fits) and says what it shows; the container is
  // a labelled region, not an image, since it holds the bpmn.io link.
  container.setAttribute('role', 'region');
  container.setAttribute('aria-label', label);
  const svg = container.querySelector('svg');
  svg?.setAttribute('tabindex', '0');
  svg?.setAttribute('role', 'img');
  svg?.setAttribute('aria-label', `${label}${summary ? `: ${summary} (see the list of changed elements below)` : ''}. Arrow keys move it, + and − zoom, 0 fits it to the frame.`);
  const eventBus = viewer.get<{ on(event: string, fn: (e: any) => void): void }>('eventBus');
  return { canvas, registry, zoomScroll: viewer.get('zoomScroll'), on: (event, fn) => eventBus.on(event, fn) };
}

async function start(root: HTMLElement): Promise<void> {
  const id = root.dataset.draftId ?? '';
  const user = root.dataset.user ?? '';
  const state = $('ims-review-state');
  let draft: Draft;
  let changes: Changes;
  try {
    [draft, changes] = await Promise.all([api<Draft>(`/drafts/${encodeURIComponent(id)}`), api<Changes>(`/drafts/${encodeURIComponent(id)}/changes`)]);
  } catch (err) {
    announce(state, `The change could not be loaded: ${(err as Error).message}`, 'bad');
    root.dataset.state = 'error';
    return;
  }

  const facts: [string, string | Node][] = [
    ['Process', `${draft.name ?? draft.key} (${draft.key})`],
    ['Status', el('span', { class: 'badge', id: 'ims-review-status' }, draft.status)],
    ['Compared with', changes.base ? `version ${changes.base.version}` : 'nothing: a new process'],
    ...(draft.restoredFrom ? [['Restores', `version ${draft.restoredFrom}`] as [string, string]] : []),
    ['Author', draft.createdBy ?? ''],
    ['Submitted', draft.submittedAt ? `${utc(draft.submittedAt)} by ${draft.submittedBy ?? ''}` : 'not yet'],
    ['Reason for the change', draft.reason ?? ''],
    ['Impact', draft.impact ?? ''],
    ...(draft.review ? [['Last decision', `${draft.review.decision} by ${draft.review.name} ${utc(draft.review.at)}: ${draft.review.reason}`] as [string, string]] : []),
    ...(draft.publishedVersion ? [['Published', `as version ${draft.publishedVersion}, effective ${utc(draft.effectiveAt)}`] as [string, string]] : []),
  ];
  $('ims-review-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  if (draft.status === 'draft' || draft.status === 'rejected') {
    state.replaceChildren(`This change is ${draft.status === 'rejected' ? 'rejected and back with its author' : 'not submitted yet'}. `, el('a', { href: `/modeler/drafts/${encodeURIComponent(id)}` }, 'Open it in the editor'));
  } else state.textContent = `This change is ${draft.status}.`;

  // ---- diagrams, coloured, pan and zoom in step --------------------------------------------------
  const marks = new Map(changes.elements.map((c) => [c.id, c.change]));
  const baseMarks = new Map([...marks].filter(([, c]) => c !== 'added'));
  const newMarks = new Map([...marks].filter(([, c]) => c !== 'removed'));
  $('ims-proposed-caption').textContent = `Proposed (draft, revision ${draft.revision})`;
  const proposed = await diagram($('ims-proposed'), changes.xml, newMarks, 'Proposed version of the process diagram');
  const views = [proposed];
  if (changes.base) {
    $('ims-base-caption').textContent = `Current: version ${changes.base.version}`;
    views.push(await diagram($('ims-base'), changes.base.xml, baseMarks, `Version ${changes.base.version} of the process diagram`));
  } else {
    $('ims-base-caption').textContent = 'Current: none (a new process)';
    $('ims-base').replaceChildren(el('p', { class: 'hint' }, 'There is no earlier version: everything is new.'));
  }
  // one set of zoom buttons above both: the two diagrams pan and zoom in step
  const zoom = { stepZoom: (delta: number) => proposed.zoomScroll.stepZoom(delta), fit: () => readableFit(proposed.canvas, proposed.registry) };
  $('ims-proposed').closest('.ims-side-by-side')?.before(zoomControls($('ims-proposed'), wordsOf($('ims-proposed')).say('modeler.zoom.bothDiagrams'), zoom));
  if (views.length === 2) zoomControls($('ims-base'), wordsOf($('ims-base')).say('modeler.zoom.bothDiagrams'), zoom); // keys on the current version too
  if (views.length === 2) {
    let syncing = false;
    for (const [from, to] of [
      [views[0]!, views[1]!],
      [views[1]!, views[0]!],
    ]) {
      from.on('canvas.viewbox.changed', ({ viewbox }: { viewbox: Viewbox }) => {
        if (syncing) return;
        syncing = true;
        to.canvas.viewbox({ x: viewbox.x, y: viewbox.y, width: viewbox.width, height: viewbox.height });
        syncing = false;
      });
    }
  }

  // ---- changed elements and fields -----------------------------------------------------------------
  const focus = (elementId: string) => {
    for (const view of views) {
      const element = view.registry.get(elementId);
      if (element) view.canvas.scrollToElement(element);
    }
  };
  $('ims-elements').replaceChildren(
    changes.elements.length
      ? el(
          'div',
          { class: 'table-wrap' },
          el(
            'table',
            { class: 'stack', id: 'ims-element-table' },
            el('thead', {}, el('tr', {}, ...['Element', 'Type', 'Change'].map((h) => el('th', { scope: 'col' }, h)))),
            el(
              'tbody',
              {},
              ...changes.elements.map((c) => {
                const button = el('button', { type: 'button', class: 'link' }, c.name ? `${c.name} (${c.id})` : c.id);
                button.addEventListener('click', () => focus(c.id));
                return el('tr', { class: `change-${c.change}`, 'data-element': c.id, 'data-change': c.change }, el('td', { 'data-label': 'Element' }, button), el('td', { 'data-label': 'Type' }, c.type.replace('bpmn:', '')), el('td', { 'data-label': 'Change' }, c.change));
              }),
            ),
          ),
        )
      : el('p', {}, 'No element changed.'),
  );
  $('ims-fields').replaceChildren(
    changes.fields.length
      ? el(
          'div',
          { class: 'table-wrap' },
          el(
            'table',
            { class: 'stack', id: 'ims-field-table' },
            el('thead', {}, el('tr', {}, ...['Element', 'Field', 'Before', 'After'].map((h) => el('th', { scope: 'col' }, h)))),
            el(
              'tbody',
              {},
              ...changes.fields.map((f) =>
                el(
                  'tr',
                  { 'data-element': f.element, 'data-field': f.field },
                  el('td', { 'data-label': 'Element' }, f.element),
                  el('td', { 'data-label': 'Field' }, el('code', {}, f.field)),
                  el('td', { 'data-label': 'Before' }, show(f.old)),
                  el('td', { 'data-label': 'After' }, show(f.new)),
                ),
              ),
            ),
          ),
        )
      : el('p', {}, 'No field changed.'),
  );
  $('ims-xml-diff').replaceChildren(
    ...changes.xmlDiff.split('\n').map((line) => el('span', { class: line.startsWith('@@') ? 'hunk' : line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : '' }, `${line}\n`)),
  );

  // ---- decision and publication --------------------------------------------------------------------
  if (draft.status === 'in-review') {
    $('ims-decide').hidden = false;
    if ((draft.editors ?? [draft.createdBy]).includes(user)) {
      $('ims-decide').insertBefore(el('p', { class: 'notice bad' }, 'You edited this change: the author of a change may not approve it. Another process owner or a quality manager reviews it.'), $('ims-review-form'));
    }
    const form = $<HTMLFormElement>('ims-review-form');
    const result = $('ims-review-result');
    const password = $<HTMLInputElement>('ims-review-password');
    const email = document.getElementById('ims-review-email') as HTMLInputElement | null;
    const legend = $('ims-signature').querySelector('legend')!;
    // Both decisions are signed: "approved" for an approval, "reviewed" for a rejection.
    const syncSignature = () => {
      legend.textContent = `Electronic signature, meaning “${$<HTMLInputElement>('ims-decision-approve').checked ? 'approved' : 'reviewed'}”`;
    };
    form.addEventListener('change', syncSignature);
    syncSignature();
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const decision = $<HTMLInputElement>('ims-decision-approve').checked ? 'approve' : 'reject';
      const reason = $<HTMLTextAreaElement>('ims-review-reason').value.trim();
      if (!reason) {
        announce(result, 'Give the reason for your decision.', 'bad');
        return $('ims-review-reason').focus();
      }
      if (email && !email.value.trim()) {
        announce(result, 'The first signature of a session needs your email (user id) as well as your password.', 'bad');
        return email.focus();
      }
      if (!password.value) {
        announce(result, 'The decision is signed electronically: enter your password.', 'bad');
        return password.focus();
      }
      announce(result, 'Signing…', 'busy');
      try {
        const updated = await api<Draft>(`/drafts/${encodeURIComponent(id)}/review`, {
          method: 'POST',
          body: { decision, reason, signature: { password: password.value, ...(email && { email: email.value.trim() }) } },
        });
        password.value = '';
        announce(result, decision === 'approve' ? `Approved and signed by you. The change is ${updated.status}.` : 'Rejected and signed by you: the change is back with its author.');
        $('ims-review-status').textContent = updated.status;
        form.querySelectorAll<HTMLInputElement>('input, textarea, button').forEach((input) => (input.disabled = true));
        if (updated.status === 'approved') $('ims-publish').hidden = false;
      } catch (err) {
        password.value = '';
        announce(result, `Not recorded: ${(err as Error).message}`, 'bad');
      }
    });
  }
  if (draft.status === 'approved') $('ims-publish').hidden = false;
  $('ims-publish-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = $('ims-publish-result');
    const effective = $<HTMLInputElement>('ims-effective').value;
    announce(result, 'Publishing…', 'busy');
    try {
      const published = await api<{ key: string; version: number; effectiveAt: string; training?: { assigned: number } }>(`/drafts/${encodeURIComponent(id)}/publish`, {
        method: 'POST',
        body: effective ? { effectiveAt: effective } : {},
      });
      const training = published.training ? ` ${published.training.assigned} people were given it to read and acknowledge.` : '';
      result.replaceChildren(`Published as version ${published.version}, effective ${utc(published.effectiveAt)}.${training} `, el('a', { href: `/modeler/processes/${encodeURIComponent(published.key)}` }, 'See the versions'));
      result.dataset.kind = 'ok';
      $('ims-review-status').textContent = 'published';
      $<HTMLButtonElement>('ims-publish-submit').disabled = true;
    } catch (err) {
      announce(result, `Not published: ${(err as Error).message}`, 'bad');
    }
  });
  root.dataset.state = 'ready';
}

const root = document.getElementById('ims-review');
if (root) {
  start(root).catch((err: unknown) => {
    root.dataset.state = 'error';
    const state = document.getElementById('ims-review-state');
    if (state) state.textContent = `The review page failed: ${err instanceof Error ? err.message : String(err)}`;
  });
}
