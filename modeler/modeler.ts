/**
 * The editor page (/modeler/drafts/:id): bpmn-js Modeler with the `ims:` side panel, undo/redo buttons
 * and keyboard shortcuts (bpmn-js's keyboard binding: Ctrl+Z, Ctrl+Y, Ctrl+F search, …; Ctrl+S saves),
 * the problems panel (the server's own rule set, run in the browser), autosave of the draft with its
 * revision as an optimistic lock, and the submit-for-review form.
 *
 * The page shell (api/pages/modeler/EditorPage.tsx) renders the structure; this script fills it. The container's
 * data-state says where it is (loading, ready, conflict, error), for people and for the tests.
 */
import Modeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import './modeler.css';
import { imsModdleDescriptor } from '../engine/kernel/bpmn/ims-moddle.js';
import type { DefinitionProblem } from '../engine/kernel/bpmn/lint.js';
import type { DraftRecord } from '../engine/kernel/model.js';
import { $, announce, api, ApiError, download, el } from './http.js';
import { readableFit } from './diagram-view.js';
import { makeRoomOnInsertModule } from './insert-on-flow.js';
import { keepUnrenderedDiModule } from './keep-di.js';
import { keepUnresolvedModule } from './keep-unresolved.js';
import { markedTemplatesModule } from './label-templates.js';
import { paletteKeyboardModule } from './palette-a11y.js';
import { ImsPanel } from './panel.js';
import { problemsOf, ProblemsPanel } from './problems.js';
import type { PackFieldTypeChoice } from './panel.js';
import { selector, wordsOf } from './words.js';

/** A draft as GET /api/drafts/:id gives it: with the problems the deployment rules find. */
type Draft = DraftRecord & { problems: DefinitionProblem[] };

const EDITABLE = new Set(['draft', 'rejected']);
/** Quiet time after the last change before the draft is saved. */
const AUTOSAVE_MS = 1500;
/** Quiet time after the last change before the rules run again. */
const CHECK_MS = 300;


async function start(root: HTMLElement): Promise<void> {
  const draftId = root.dataset.draftId ?? '';
  const words = wordsOf(root);
  const when = (iso: string | undefined) => (iso ? words.when(iso) : '');
  const saveState = $('ims-save-state');
  root.dataset.state = 'loading';
  let draft: Draft;
  let roles: string[];
  let services: { name: string; description?: string }[];
  let fieldTypes: PackFieldTypeChoice[];
  try {
    const [d, r, s, f] = await Promise.all([
      api<Draft>(`/drafts/${encodeURIComponent(draftId)}`),
      api<{ items: { role: string }[] }>('/roles').catch(() => ({ items: [] })),
      api<{ items: { name: string; description?: string }[] }>('/services').catch(() => ({ items: [] })),
      api<{ items: PackFieldTypeChoice[] }>('/field-types').catch(() => ({ items: [] })),
    ]);
    draft = d;
    roles = r.items.map((i) => i.role);
    services = s.items;
    fieldTypes = f.items;
  } catch (err) {
    root.dataset.state = 'error';
    announce(saveState, words.say('modeler.state.openFailed', { reason: (err as Error).message }), 'bad');
    return;
  }
  const serviceNames = new Set(services.map((s) => s.name));
  const fieldTypeNames = new Set(fieldTypes.map((f) => f.type));
  const editable = EDITABLE.has(draft.status);
  $('ims-draft-status').textContent = words.say('modeler.status', { status: selector(draft.status) });

  if (!editable) {
    // Submitted, approved or closed: frozen. Shown, not editable; the review page has the rest.
    $('ims-toolbar-edit').hidden = true;
    $('ims-submit').hidden = true;
    const viewer = new NavigatedViewer({ container: $('ims-canvas'), moddleExtensions: { ims: imsModdleDescriptor }, additionalModules: [markedTemplatesModule] });
    await viewer.importXML(draft.xml);
    const fit = () => readableFit(viewer.get('canvas'), viewer.get('elementRegistry'));
    fit();
    $('ims-fit').addEventListener('click', fit);
    const panel = new ImsPanel($('ims-panel'), viewer as any, { roles, services, fieldTypes, problemsOf: () => [], readOnly: true, words });
    panel.render();
    announce(saveState, words.say('modeler.state.readOnly', { status: selector(draft.status) }));
    root.dataset.state = 'ready';
    return;
  }

  const modeler = new Modeler({
    container: $('ims-canvas'),
    moddleExtensions: { ims: imsModdleDescriptor },
    additionalModules: [keepUnrenderedDiModule, keepUnresolvedModule, paletteKeyboardModule, makeRoomOnInsertModule, markedTemplatesModule],
    keyboard: { bind: true },
  });
  const get = <T = any>(name: string): T => modeler.get<T>(name);
  // the problem count by Save: always in sight while drawing, a link down to the list
  const problemCount = el('a', { id: 'ims-problem-count', class: 'ims-problem-count', href: '#ims-problems-summary', 'aria-live': 'polite' }, words.say('modeler.problems.checking'));
  $('ims-save').after(problemCount);
  const problems = new ProblemsPanel($('ims-problems'), $('ims-problems-summary'), get as any, words, problemCount);
  const panel = new ImsPanel($('ims-panel'), modeler as any, { roles, services, fieldTypes, problemsOf: (id) => problems.of(id), words });
  const commandStack = get<{ canUndo(): boolean; canRedo(): boolean; undo(): void; redo(): void }>('commandStack');
  const eventBus = get<{ on(event: string, priority: number | ((e: any) => unknown), fn?: (e: any) => unknown): void }>('eventBus');

  try {
    const { warnings } = await modeler.importXML(draft.xml);
    if (warnings.length) console.warn(`imported with ${warnings.length} warnings`);
  } catch (err) {
    root.dataset.state = 'error';
    announce(saveState, words.say('modeler.state.diagramFailed', { reason: (err as Error).message }), 'bad');
    return;
  }
  // fitted to the part of the canvas the palette leaves free, readable, from the start event
  const paletteInset = () => {
    const palette = $('ims-canvas').querySelector('.djs-palette');
    return palette ? palette.getBoundingClientRect().right - $('ims-canvas').getBoundingClientRect().left : 0;
  };
  const fit = () => readableFit(get('canvas'), get('elementRegistry'), { left: paletteInset() });
  fit();
  // The canvas takes keyboard focus, so bpmn-js's shortcuts work once it is clicked or tabbed to.
  const svg = $('ims-canvas').querySelector('svg');
  svg?.setAttribute('tabindex', '0');
  svg?.setAttribute('aria-label', words.say('modeler.state.diagramLabel', { process: draft.key }));
  // The search pad gives focus back to the canvas only when the canvas had it: opened from the toolbar, it
  // would leave focus on the page, and the keys for what was found (Delete, the arrows) would do nothing.
  get<{ on(event: string, fn: () => void): void }>('eventBus').on('searchPad.closed', () => {
    if (!document.activeElement || document.activeElement === document.body) svg?.focus();
  });

  const saveXml = async () => (await modeler.saveXML({ format: true })).xml ?? '';

  // ---- problems, while drawing -------------------------------------------------------------------
  let checkTimer: ReturnType<typeof setTimeout> | undefined;
  let checkRun = 0;
  const check = async () => {
    const run = ++checkRun;
    const found = await problemsOf(await saveXml(), serviceNames, fieldTypeNames);
    if (run !== checkRun) return; // a later change is being checked
    problems.show(found);
    panel.render();
    $('ims-problems').dataset.checked = String(run);
  };
  const scheduleCheck = () => {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(() => void check(), CHECK_MS);
  };

  // ---- autosave with the revision as an optimistic lock ------------------------------------------
  let revision = draft.revision;
  let dirty = false;
  let saving: Promise<void> | undefined;
  let conflict = false;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const undoButton = $<HTMLButtonElement>('ims-undo');
  const redoButton = $<HTMLButtonElement>('ims-redo');
  const refreshButtons = () => {
    undoButton.disabled = !commandStack.canUndo();
    redoButton.disabled = !commandStack.canRedo();
  };
  announce(
    saveState,
    draft.updatedAt
      ? words.say('modeler.state.savedBy', { when: when(draft.updatedAt), who: (draft as { updatedByName?: string }).updatedByName ?? draft.updatedBy ?? words.say('modeler.state.someoneElse'), revision })
      : words.say('modeler.state.revision', { revision }),
  );

  const saveNow = async (): Promise<void> => {
    if (saving) {
      await saving;
      if (!dirty) return;
    }
    if (conflict || !dirty) return;
    clearTimeout(saveTimer);
    saving = (async () => {
      dirty = false;
      root.dataset.saving = 'true';
      announce(saveState, words.say('modeler.state.saving'), 'busy');
      try {
        const result = await api<{ revision: number; updatedAt: string; problems?: DefinitionProblem[] }>(`/drafts/${encodeURIComponent(draftId)}`, {
          method: 'PUT',
          body: { xml: await saveXml(), revision },
        });
        revision = result.revision;
        announce(saveState, words.say('modeler.state.allSaved', { when: when(result.updatedAt), revision }));
        root.dataset.revision = String(revision);
      } catch (err) {
        dirty = true;
        if (err instanceof ApiError && err.status === 409 && err.body.current) {
          // Someone else saved or submitted meanwhile: never write over their version. Stop saving and say who.
          conflict = true;
          const current = err.body.current as { revision: number; updatedBy?: string; updatedAt?: string; status?: string };
          root.dataset.state = 'conflict';
          const said = { who: current.updatedBy ?? words.say('modeler.state.someoneElse'), when: when(current.updatedAt), revision: current.revision };
          announce(
            saveState,
            current.status && !EDITABLE.has(current.status)
              ? words.say('modeler.state.conflictStatus', { ...said, status: selector(current.status) })
              : words.say('modeler.state.conflictSaved', said),
            'bad',
          );
          $('ims-conflict').hidden = false;
        } else if (err instanceof ApiError && err.status === 422 && Array.isArray(err.body.problems)) {
          // The server could not read the XML: nothing was saved; the problems say why.
          problems.show(err.body.problems);
          announce(saveState, words.say('modeler.state.notSaved', { reason: (err as Error).message }), 'bad');
        } else if (err instanceof ApiError && err.status === 413) {
          // Too large or too costly to check: the same file would be refused again, so it is not resent
          // on a timer (each try would cost the server its check budget). The next change saves again.
          announce(saveState, words.say('modeler.state.tooLarge', { reason: (err as Error).message }), 'bad');
        } else {
          announce(saveState, words.say('modeler.state.retrying', { reason: (err as Error).message }), 'bad');
          if (!(err instanceof ApiError && err.status === 409)) saveTimer = setTimeout(() => void saveNow(), AUTOSAVE_MS * 4);
        }
      } finally {
        delete root.dataset.saving;
        saving = undefined;
      }
    })();
    await saving;
  };

  eventBus.on('commandStack.changed', () => {
    refreshButtons();
    scheduleCheck();
    if (conflict) return;
    dirty = true;
    announce(saveState, words.say('modeler.state.unsaved'), 'busy');
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => void saveNow(), AUTOSAVE_MS);
  });
  window.addEventListener('beforeunload', (event) => {
    if (dirty) event.preventDefault();
  });

  // ---- toolbar and shortcuts ---------------------------------------------------------------------
  undoButton.addEventListener('click', () => commandStack.undo());
  redoButton.addEventListener('click', () => commandStack.redo());
  // The search pad closes on any click that reaches the document, and on an Enter released in its input
  // (Enter there goes to the result): the click that opens it stops here, and Enter on the button opens it
  // when the key comes up, not down, so that the key's release does not land in the pad.
  const searchButton = $('ims-search');
  const openSearch = () => get<{ trigger(action: string): void }>('editorActions').trigger('find');
  searchButton.addEventListener('click', (event) => {
    event.stopPropagation();
    openSearch();
  });
  searchButton.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') event.preventDefault();
  });
  searchButton.addEventListener('keyup', (event) => {
    if (event.key === 'Enter') openSearch();
  });
  $('ims-fit').addEventListener('click', fit);
  $('ims-save').addEventListener('click', () => {
    dirty = dirty || !conflict;
    void saveNow();
  });
  const downloadMine = async () => download(`${draft.key}-draft.bpmn`, 'application/xml', await saveXml());
  $('ims-download').addEventListener('click', () => void downloadMine());
  $('ims-conflict-download').addEventListener('click', () => void downloadMine());
  get<{ addListener(priority: number, fn: (context: { keyEvent: KeyboardEvent }) => boolean | void): void }>('keyboard').addListener(2000, ({ keyEvent }) => {
    if ((keyEvent.ctrlKey || keyEvent.metaKey) && keyEvent.key.toLowerCase() === 's') {
      keyEvent.preventDefault();
      $('ims-save').click();
      return true;
    }
  });
  refreshButtons();

  // ---- submit for review -------------------------------------------------------------------------
  const form = $<HTMLFormElement>('ims-submit-form');
  const submitState = $('ims-submit-state');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const reason = ($('ims-reason') as HTMLTextAreaElement).value.trim();
    const impact = ($('ims-impact') as HTMLTextAreaElement).value.trim();
    if (!reason || !impact) {
      announce(submitState, words.say('modeler.submit.needReason'), 'bad');
      (reason ? $('ims-impact') : $('ims-reason')).focus();
      return;
    }
    await saveNow();
    if (conflict) {
      announce(submitState, words.say('modeler.submit.changed'), 'bad');
      return;
    }
    await check();
    if (problems.problems.length) {
      announce(submitState, words.say('modeler.problems.notSubmitted', { count: problems.problems.length }), 'bad');
      $('ims-problems-summary').focus();
      return;
    }
    announce(submitState, words.say('modeler.submit.submitting'), 'busy');
    try {
      await api(`/drafts/${encodeURIComponent(draftId)}/submit`, { method: 'POST', body: { reason, impact, revision } });
      dirty = false;
      window.location.assign(`/modeler/drafts/${encodeURIComponent(draftId)}/review`);
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.body.problems)) problems.show(err.body.problems);
      announce(submitState, words.say('modeler.submit.failed', { reason: (err as Error).message }), 'bad');
    }
  });

  await check();
  panel.render();
  root.dataset.state = 'ready';
}

const root = document.getElementById('ims-editor');
if (root) {
  start(root).catch((err: unknown) => {
    root.dataset.state = 'error';
    const state = document.getElementById('ims-save-state');
    const words = wordsOf(root);
    if (state) state.textContent = words.say('modeler.state.failed', { reason: err instanceof Error ? err.message : String(err) });
    root.append(el('p', { role: 'alert' }, words.say('modeler.state.failedReload')));
  });
}
