/**
 * The modeler's home page (/modeler): fills in the open drafts and handles "new process" and "import a
 * file". Both create a draft through POST /api/drafts and open it in the editor.
 */
import { OPEN_DRAFT_STATUSES, type DraftRecord } from '../engine/kernel/model.js';
import { $, announce, api, ApiError, el, utc } from './http.js';

/** A draft as GET /api/drafts lists it. */
type DraftSummary = Omit<DraftRecord, 'xml'>;

/** Says how it went in the status line of the form that was used, next to its button, where the person looks. */
function say(where: string, text: string, bad = false): void {
  announce($(where), text, bad ? 'bad' : 'ok');
}

async function listDrafts(container: HTMLElement): Promise<void> {
  try {
    const { items } = await api<{ items: DraftSummary[] }>('/drafts');
    const open = items.filter((d) => OPEN_DRAFT_STATUSES.includes(d.status));
    container.replaceChildren(
      open.length
        ? el(
            'div',
            { class: 'table-wrap' },
            el(
              'table',
              { class: 'stack' },
              el('thead', {}, el('tr', {}, ...['Process', 'Status', 'Last saved', 'Open'].map((h) => el('th', { scope: 'col' }, h)))),
              el(
                'tbody',
                {},
                ...open.map((d) =>
                  el(
                    'tr',
                    { 'data-draft': d.id },
                    el('td', { 'data-label': 'Process' }, d.key, d.baseVersion ? el('span', { class: 'hint' }, ` (from version ${d.baseVersion})`) : undefined),
                    el('td', { 'data-label': 'Status' }, el('span', { class: `badge ${d.status === 'rejected' ? 'rejected' : d.status === 'approved' ? 'approved' : 'pending'}` }, d.status)),
                    el('td', { 'data-label': 'Last saved' }, `${utc(d.updatedAt)}${d.updatedBy ? ` by ${d.updatedBy}` : ''} · revision ${d.revision}`),
                    el(
                      'td',
                      { 'data-label': 'Open' },
                      el('a', { href: `/modeler/drafts/${encodeURIComponent(d.id)}` }, d.status === 'draft' || d.status === 'rejected' ? `Edit ${d.key}` : `Show ${d.key}`),
                      ' · ',
                      el('a', { href: `/modeler/drafts/${encodeURIComponent(d.id)}/review` }, 'Review'),
                    ),
                  ),
                ),
              ),
            ),
          )
        : el('p', {}, 'No open drafts.'),
    );
    container.dataset.state = 'ready';
  } catch (err) {
    container.replaceChildren(el('p', { role: 'alert' }, `The drafts could not be loaded: ${(err as Error).message}`));
    container.dataset.state = 'error';
  }
  container.removeAttribute('aria-busy');
}

/** Creates a draft and opens it; a 409 names the open draft of that process, which is offered instead. */
async function createDraft(body: Record<string, unknown>, where: string): Promise<void> {
  say(where, 'Creating the draft…');
  try {
    const draft = await api<{ id: string }>('/drafts', { method: 'POST', body });
    window.location.assign(`/modeler/drafts/${encodeURIComponent(draft.id)}`);
  } catch (err) {
    const open = err instanceof ApiError ? (err.body.draft?.id ?? err.body.draftId) : undefined;
    say(where, `Not created: ${(err as Error).message}${open ? '' : '.'}`, true);
    if (open) $(where).append(' ', el('a', { href: `/modeler/drafts/${encodeURIComponent(open)}` }, 'Open that draft'));
  }
}

const drafts = document.getElementById('ims-drafts');
if (drafts) void listDrafts(drafts);

document.getElementById('ims-new-form')?.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = (document.getElementById('ims-new-key') as HTMLInputElement).value.trim();
  if (key) void createDraft({ key }, 'ims-new-state');
});

document.getElementById('ims-import-form')?.addEventListener('submit', (event) => {
  event.preventDefault();
  const file = (document.getElementById('ims-import-file') as HTMLInputElement).files?.[0];
  if (!file) return say('ims-import-state', 'Choose a BPMN file first.', true);
  void file.text().then((xml) => createDraft({ xml, reason: `imported from ${file.name}` }, 'ims-import-state'));
});
