/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Viewer } from '../basics.js';
import { useReader } from '../reader.js';
import { HintedField, ModelerShell, useReaderData } from './parts.js';

/**
 * The editor (/modeler/drafts/:id), filled by modeler.js: the draft's status, the toolbar, the diagram and
 * the panel of the selected element, the problems deployment would refuse, and the form that submits the
 * draft for review.
 */
export function EditorPage({ viewer, draftId }: { viewer: Viewer; draftId: string }) {
  const { t } = useReader();
  const here = `/modeler/drafts/${encodeURIComponent(draftId)}`;
  return (
    <ModelerShell title={t('modelerPages.editor.title')} viewer={viewer} bundle="modeler">
      <div id="ims-editor" data-draft-id={draftId} data-state="loading" {...useReaderData()}>
        <p>
          {t('modelerPages.editor.status')} <strong id="ims-draft-status">…</strong> · <a href="/modeler">{t('modelerPages.allProcesses')}</a> ·{' '}
          <a href={`${here}/review`}>{t('modelerPages.editor.reviewPage')}</a>
        </p>
        <div class="ims-toolbar" role="toolbar" aria-label={t('modelerPages.editor.tools')}>
          <span id="ims-toolbar-edit" class="ims-toolbar">
            <button type="button" id="ims-undo" class="secondary" aria-keyshortcuts="Control+Z" title={t('modelerPages.editor.undoTitle')}>
              {t('modelerPages.editor.undo')}
            </button>
            <button type="button" id="ims-redo" class="secondary" aria-keyshortcuts="Control+Y" title={t('modelerPages.editor.redoTitle')}>
              {t('modelerPages.editor.redo')}
            </button>
            <button type="button" id="ims-search" class="secondary" aria-keyshortcuts="Control+F" title={t('modelerPages.editor.searchTitle')}>
              {t('modelerPages.editor.search')}
            </button>
            <button type="button" id="ims-save" class="secondary" aria-keyshortcuts="Control+S" title={t('modelerPages.editor.saveTitle')}>
              {t('modelerPages.editor.save')}
            </button>
          </span>
          <button type="button" id="ims-fit" class="secondary">
            {t('modelerPages.editor.fit')}
          </button>
          <button type="button" id="ims-download" class="secondary">
            {t('modelerPages.editor.download')}
          </button>
          <span id="ims-save-state" role="status" aria-live="polite"></span>
        </div>
        <div id="ims-conflict" class="notice bad" hidden>
          <p>{t('modelerPages.editor.conflict')}</p>
          <p>
            <button type="button" id="ims-conflict-download" class="secondary">
              {t('modelerPages.editor.downloadMine')}
            </button>{' '}
            <a href={here}>{t('modelerPages.editor.reload')}</a>
          </p>
        </div>
        <div class="ims-workspace">
          <div id="ims-canvas" class="ims-canvas"></div>
          <aside id="ims-panel" class="ims-panel" aria-label={t('modelerPages.editor.panel')}></aside>
        </div>
        <section aria-labelledby="ims-problems-title">
          <h2 id="ims-problems-title">{t('modelerPages.editor.problems')}</h2>
          <p class="usa-hint hint">{t('modelerPages.editor.problemsHint')}</p>
          <p id="ims-problems-summary" role="status" tabIndex={-1}></p>
          <ul id="ims-problems" class="ims-problems"></ul>
        </section>
        <section id="ims-submit" aria-labelledby="ims-submit-title">
          <h2 id="ims-submit-title">{t('modelerPages.editor.submitTitle')}</h2>
          <form id="ims-submit-form" class="usa-form decide" novalidate>
            <HintedField id="ims-reason" label={t('modelerPages.editor.reason')}>
              <textarea class="usa-textarea" id="ims-reason" name="reason" rows={2} required></textarea>
            </HintedField>
            <HintedField id="ims-impact" label={t('modelerPages.editor.impact')} hint={t('modelerPages.editor.impactHint')}>
              <textarea class="usa-textarea" id="ims-impact" name="impact" rows={2} required aria-describedby="ims-impact-hint"></textarea>
            </HintedField>
            <button type="submit" id="ims-submit-button" class="usa-button">
              {t('modelerPages.editor.submit')}
            </button>
            <p id="ims-submit-state" role="status" aria-live="polite"></p>
          </form>
        </section>
      </div>
    </ModelerShell>
  );
}
