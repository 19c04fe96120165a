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
import { $, announce, api, el } from './http.js';
import { readableLabelsModule } from './label-templates.js';
import { drawnName } from '../engine/kernel/present/templates.js';
import { listWordsOf, processNameOf, selector, type ListWords } from './list-words.js';
import { wordsOf } from './words.js';

/** A draft as GET /api/drafts/:id gives it, with the names of the people it names by id. */
type NamedDraft = Draft & { createdByName?: string; submittedByName?: string };

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

/** A field's value before or after: its text, yes or no for a flag, "(none)" where there was none. */
function show(value: string | null, { say }: ListWords): string {
  if (value === null || value === '') return say('review.empty');
  if (value === 'true' || value === 'false') return say(value === 'true' ? 'review.yes' : 'review.no');
  return value;
}

interface View {
  canvas: Canvas;
  registry: { get(id: string): unknown } & FitRegistry;
  zoomScroll: { stepZoom(delta: number): void };
  on(event: string, fn: (e: any) => void): void;
}

async function diagram(container: HTMLElement, xml: string, marks: Map<string, Change>, label: string, { say }: ListWords): Promise<View> {
  const viewer = new NavigatedViewer({ container, moddleExtensions: { ims: imsModdleDescriptor }, additionalModules: [readableLabelsModule] });
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
  const summary = Object.entries(counts).map(([change, count]) => say('review.changeCount', { count, change })).join(', ');
  // The drawing takes focus (arrow keys pan it, + and − zoom, 0 fits) and says what it shows; the container is
  // a labelled region, not an image, since it holds the bpmn.io link.
  container.setAttribute('role', 'region');
  container.setAttribute('aria-label', label);
  const svg = container.querySelector('svg');
  svg?.setAttribute('tabindex', '0');
  svg?.setAttribute('role', 'img');
  svg?.setAttribute('aria-label', say('review.diagramLabel', { label, summary: summary || 'none' }));
  const eventBus = viewer.get<{ on(event: string, fn: (e: any) => void): void }>('eventBus');
  return { canvas, registry, zoomScroll: viewer.get('zoomScroll'), on: (event, fn) => eventBus.on(event, fn) };
}

async function start(root: HTMLElement, words: ListWords): Promise<void> {
  const { say, parts, time } = words;
  const id = root.dataset.draftId ?? '';
  const user = root.dataset.user ?? '';
  const state = $('ims-review-state');
  let draft: NamedDraft;
  let changes: Changes;
  try {
    [draft, changes] = await Promise.all([api<NamedDraft>(`/drafts/${encodeURIComponent(id)}`), api<Changes>(`/drafts/${encodeURIComponent(id)}/changes`)]);
  } catch (err) {
    announce(state, say('review.loadFailed', { error: (err as Error).message }), 'bad');
    root.dataset.state = 'error';
    return;
  }

  const status = (value: string) => say('draftStatus', { status: selector(value) });
  const facts: [string, string | Node | (string | Node)[]][] = [
    [say('review.process'), processNameOf(draft, root)],
    [say('review.status'), el('span', { class: 'badge', id: 'ims-review-status', 'data-status': draft.status }, status(draft.status))],
    [say('review.comparedWith'), changes.base ? say('review.baseVersion', { version: changes.base.version }) : say('review.newProcess')],
    ...(draft.restoredFrom ? [[say('review.restores'), say('review.baseVersion', { version: draft.restoredFrom })] as [string, string]] : []),
    [say('review.author'), draft.createdByName ?? draft.createdBy ?? ''],
    [say('review.submitted'), draft.submittedAt ? parts('review.submittedBy', { when: time(draft.submittedAt), name: draft.submittedByName ?? draft.submittedBy ?? '' }) : say('review.notYet')],
    [say('review.reason'), draft.reason ?? ''],
    [say('review.impact'), draft.impact ?? ''],
    ...(draft.review
      ? [[say('review.lastDecision'), parts('review.decisionBy', { decision: draft.review.decision, name: draft.review.name, when: time(draft.review.at), reason: draft.review.reason })] as [string, (string | Node)[]]]
      : []),
    ...(draft.publishedVersion ? [[say('review.published'), parts('review.publishedAs', { version: draft.publishedVersion, when: time(draft.effectiveAt) })] as [string, (string | Node)[]]] : []),
  ];
  $('ims-review-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, ...(Array.isArray(v) ? v : [v]))]));
  if (draft.status === 'draft' || draft.status === 'rejected') {
    state.replaceChildren(say(draft.status === 'rejected' ? 'review.stateRejected' : 'review.stateDraft'), el('a', { href: `/modeler/drafts/${encodeURIComponent(id)}` }, say('review.openEditor')));
  } else state.textContent = say('review.state', { status: status(draft.status) });

  // ---- diagrams, coloured, pan and zoom in step --------------------------------------------------
  const marks = new Map(changes.elements.map((c) => [c.id, c.change]));
  const baseMarks = new Map([...marks].filter(([, c]) => c !== 'added'));
  const newMarks = new Map([...marks].filter(([, c]) => c !== 'removed'));
  $('ims-proposed-caption').textContent = say('review.proposedCaption', { revision: draft.revision });
  const proposed = await diagram($('ims-proposed'), changes.xml, newMarks, say('review.proposedLabel'), words);
  const views = [proposed];
  if (changes.base) {
    $('ims-base-caption').textContent = say('review.currentCaption', { version: changes.base.version });
    views.push(await diagram($('ims-base'), changes.base.xml, baseMarks, say('review.baseLabel', { version: changes.base.version }), words));
  } else {
    $('ims-base-caption').textContent = say('review.currentNone');
    $('ims-base').replaceChildren(el('p', { class: 'hint' }, say('review.nothingEarlier')));
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
  // elements by name as the diagrams draw them; an unnamed one by its kind, with the id that finds it in the XML diff
  const kind = (type: string) => say('review.kind', { kind: type });
  const named = new Map(changes.elements.map((c) => [c.id, drawnName(c.name ?? '') || say('review.unnamed', { kind: kind(c.type), id: c.id })]));
  const elementColumns = [say('review.element'), say('review.type'), say('review.changeColumn')];
  $('ims-elements').replaceChildren(
    changes.elements.length
      ? el(
          'div',
          { class: 'table-wrap' },
          el(
            'table',
            { class: 'usa-table usa-table--borderless usa-table--stacked stack', id: 'ims-element-table' },
            el('caption', { class: 'vh usa-sr-only' }, $('ims-elements').previousElementSibling?.textContent ?? ''),
            el('thead', {}, el('tr', {}, ...elementColumns.map((h) => el('th', { scope: 'col' }, h)))),
            el(
              'tbody',
              {},
              ...changes.elements.map((c) => {
                const button = el('button', { type: 'button', class: 'link' }, named.get(c.id)!);
                button.addEventListener('click', () => focus(c.id));
                return el(
                  'tr',
                  { class: `change-${c.change}`, 'data-element': c.id, 'data-change': c.change },
                  el('td', { 'data-label': elementColumns[0] }, button),
                  el('td', { 'data-label': elementColumns[1] }, kind(c.type)),
                  el('td', { 'data-label': elementColumns[2] }, say('review.change', { change: c.change })),
                );
              }),
            ),
          ),
        )
      : el('p', {}, say('review.noElement')),
  );
  const fieldColumns = [say('review.element'), say('review.field'), say('review.before'), say('review.after')];
  $('ims-fields').replaceChildren(
    changes.fields.length
      ? el(
          'div',
          { class: 'table-wrap' },
          el(
            'table',
            { class: 'usa-table usa-table--borderless usa-table--stacked stack', id: 'ims-field-table' },
            el('thead', {}, el('tr', {}, ...fieldColumns.map((h) => el('th', { scope: 'col' }, h)))),
            el(
              'tbody',
              {},
              ...changes.fields.map((f) =>
                el(
                  'tr',
                  { 'data-element': f.element, 'data-field': f.field },
                  el('td', { 'data-label': fieldColumns[0] }, named.get(f.element) ?? f.element),
                  el('td', { 'data-label': fieldColumns[1] }, el('code', {}, f.field)),
                  el('td', { 'data-label': fieldColumns[2] }, show(f.old, words)),
                  el('td', { 'data-label': fieldColumns[3] }, show(f.new, words)),
                ),
              ),
            ),
          ),
        )
      : el('p', {}, say('review.noField')),
  );
  $('ims-xml-diff').replaceChildren(
    ...changes.xmlDiff.split('\n').map((line) => el('span', { class: line.startsWith('@@') ? 'hunk' : line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : '' }, `${line}\n`)),
  );

  // ---- decision and publication --------------------------------------------------------------------
  if (draft.status === 'in-review') {
    $('ims-decide').hidden = false;
    if ((draft.editors ?? [draft.createdBy]).includes(user)) {
      $('ims-decide').insertBefore(el('p', { class: 'notice bad' }, say('review.authorMayNot')), $('ims-review-form'));
    }
    const form = $<HTMLFormElement>('ims-review-form');
    const result = $('ims-review-result');
    const password = $<HTMLInputElement>('ims-review-password');
    const email = document.getElementById('ims-review-email') as HTMLInputElement | null;
    const legend = $('ims-signature').querySelector('legend')!;
    // Both decisions are signed: "approved" for an approval, "reviewed" for a rejection.
    const syncSignature = () => {
      legend.textContent = say('review.signatureLegend', { meaning: $<HTMLInputElement>('ims-decision-approve').checked ? 'approved' : 'reviewed' });
    };
    form.addEventListener('change', syncSignature);
    syncSignature();
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const decision = $<HTMLInputElement>('ims-decision-approve').checked ? 'approve' : 'reject';
      const reason = $<HTMLTextAreaElement>('ims-review-reason').value.trim();
      if (!reason) {
        announce(result, say('review.giveReason'), 'bad');
        return $('ims-review-reason').focus();
      }
      if (email && !email.value.trim()) {
        announce(result, say('review.giveEmail'), 'bad');
        return email.focus();
      }
      if (!password.value) {
        announce(result, say('review.givePassword'), 'bad');
        return password.focus();
      }
      announce(result, say('review.signing'), 'busy');
      try {
        const updated = await api<Draft>(`/drafts/${encodeURIComponent(id)}/review`, {
          method: 'POST',
          body: { decision, reason, signature: { password: password.value, ...(email && { email: email.value.trim() }) } },
        });
        password.value = '';
        announce(result, decision === 'approve' ? say('review.approved', { status: status(updated.status) }) : say('review.rejected'));
        $('ims-review-status').textContent = status(updated.status);
        $('ims-review-status').dataset.status = updated.status;
        form.querySelectorAll<HTMLInputElement>('input, textarea, button').forEach((input) => (input.disabled = true));
        if (updated.status === 'approved') offerPublication();
        // the button pressed is disabled now, which drops focus to the page: it goes to what was recorded
        result.tabIndex = -1;
        result.focus();
      } catch (err) {
        password.value = '';
        announce(result, say('review.notRecorded', { error: (err as Error).message }), 'bad');
      }
    });
  }
  // Publish is offered only to whom the publish route lets publish (engine change-control policy, handed over
  // as data-may-publish); the others are told who publishes rather than offered a button that answers 403.
  function offerPublication(): void {
    if (root.dataset.mayPublish === 'true') $('ims-publish').hidden = false;
    else {
      const who = $('ims-publish-who');
      who.textContent = say('review.authorPublishes', { author: draft.createdByName ?? draft.createdBy ?? '' });
      who.hidden = false;
    }
  }
  if (draft.status === 'approved') offerPublication();
  $('ims-publish-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = $('ims-publish-result');
    const effective = $<HTMLInputElement>('ims-effective').value;
    announce(result, say('review.publishing'), 'busy');
    try {
      const published = await api<{ key: string; version: number; effectiveAt: string; training?: { assigned: number } }>(`/drafts/${encodeURIComponent(id)}/publish`, {
        method: 'POST',
        body: effective ? { effectiveAt: effective } : {},
      });
      result.replaceChildren(
        ...parts('review.publishedResult', { version: published.version, when: time(published.effectiveAt) }),
        published.training ? say('review.trainingAssigned', { count: published.training.assigned }) : '',
        ' ',
        el('a', { href: `/modeler/processes/${encodeURIComponent(published.key)}` }, say('review.seeVersions')),
      );
      result.dataset.kind = 'ok';
      $('ims-review-status').textContent = status('published');
      $('ims-review-status').dataset.status = 'published';
      $<HTMLButtonElement>('ims-publish-submit').disabled = true;
    } catch (err) {
      announce(result, say('review.notPublished', { error: (err as Error).message }), 'bad');
    }
  });
  const open = ['draft', 'in-review', 'approved', 'rejected'].includes(draft.status);
  if (open && root.dataset.mayWithdraw === 'true') {
    $('ims-withdraw').hidden = false;
    const form = $<HTMLFormElement>('ims-withdraw-form');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const result = $('ims-withdraw-result');
      const reason = $<HTMLTextAreaElement>('ims-withdraw-reason').value.trim();
      if (!reason) {
        announce(result, say('review.giveWithdrawReason'), 'bad');
        return $('ims-withdraw-reason').focus();
      }
      // withdrawing closes a draft for good: asked once more, in the reader's words
      if (!window.confirm(form.dataset.confirm ?? '')) return;
      announce(result, say('review.withdrawing'), 'busy');
      try {
        const updated = await api<Draft>(`/drafts/${encodeURIComponent(id)}/withdraw`, { method: 'POST', body: { reason } });
        const closed = updated.status === 'withdrawn';
        result.replaceChildren(
          say(closed ? 'review.withdrawn' : 'review.backToDraft'),
          ' ',
          el('a', { href: closed ? '/modeler' : `/modeler/drafts/${encodeURIComponent(id)}` }, say(closed ? 'review.backToList' : 'review.openEditor')),
        );
        result.dataset.kind = 'ok';
        $('ims-review-status').textContent = status(updated.status);
        $('ims-review-status').dataset.status = updated.status;
        // the line at the top no longer says "not submitted yet, open it in the editor" of a closed change
        if (closed) $('ims-review-state').textContent = say('review.state', { status: status(updated.status) });
        form.querySelectorAll<HTMLInputElement>('textarea, button').forEach((input) => (input.disabled = true));
        for (const section of ['ims-decide', 'ims-publish', 'ims-publish-who']) $(section).hidden = true;
      } catch (err) {
        announce(result, say('review.notWithdrawn', { error: (err as Error).message }), 'bad');
      }
    });
  }
  root.dataset.state = 'ready';
}

const root = document.getElementById('ims-review');
if (root) {
  const words = listWordsOf(root);
  start(root, words).catch((err: unknown) => {
    root.dataset.state = 'error';
    const state = document.getElementById('ims-review-state');
    if (state) state.textContent = words.say('failed', { error: err instanceof Error ? err.message : String(err) });
  });
}
