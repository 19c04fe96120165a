/**
 * The modeler's home page (/modeler): fills in the open drafts and handles "new process" and "import a
 * file". Both create a draft through POST /api/drafts and open it in the editor.
 */
import { OPEN_DRAFT_STATUSES, type DraftRecord } from '../engine/kernel/model.js';
import { $, announce, api, ApiError, el } from './http.js';
import { listWordsOf, processNameOf, selector } from './list-words.js';

/** A draft as GET /api/drafts lists it, with the names of the people it names by id. */
type DraftSummary = Omit<DraftRecord, 'xml'> & { updatedByName?: string };

const holder = document.getElementById('ims-drafts');
const words = listWordsOf(holder);
const { say, parts, time } = words;

/** Says how it went in the status line of the form that was used, next to its button, where the person looks. */
function note(where: string, text: string, bad = false): void {
  announce($(where), text, bad ? 'bad' : 'ok');
}

async function listDrafts(container: HTMLElement): Promise<void> {
  try {
    const { items } = await api<{ items: DraftSummary[] }>('/drafts');
    const open = items.filter((d) => OPEN_DRAFT_STATUSES.includes(d.status));
    const headings = [say('drafts.process'), say('drafts.status'), say('drafts.saved'), say('drafts.open')];
    container.replaceChildren(
      open.length
        ? el(
            'div',
            { class: 'table-wrap' },
            el(
              'table',
              { class: 'usa-table usa-table--borderless usa-table--stacked stack' },
              el('caption', { class: 'vh usa-sr-only' }, say('drafts.caption')),
              el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))),
              el(
                'tbody',
                {},
                ...open.map((d) => {
                  const process = processNameOf(d, container);
                  const editable = d.status === 'draft' || d.status === 'rejected';
                  return el(
                    'tr',
                    { 'data-draft': d.id },
                    el('td', { 'data-label': headings[0] }, process, d.baseVersion ? el('span', { class: 'hint' }, ' ', say('drafts.fromVersion', { version: d.baseVersion })) : undefined),
                    el('td', { 'data-label': headings[1] }, el('span', { class: `badge ${d.status === 'rejected' ? 'rejected' : d.status === 'approved' ? 'approved' : 'pending'}`, 'data-status': d.status }, say('draftStatus', { status: selector(d.status) }))),
                    el('td', { 'data-label': headings[2] }, ...parts('drafts.savedBy', { when: time(d.updatedAt), name: d.updatedByName ?? d.updatedBy, revision: d.revision })),
                    el(
                      'td',
                      { 'data-label': headings[3] },
                      el('a', { href: `/modeler/drafts/${encodeURIComponent(d.id)}` }, ...parts(editable ? 'drafts.edit' : 'drafts.show', { process })),
                      ' · ',
                      el('a', { href: `/modeler/drafts/${encodeURIComponent(d.id)}/review` }, ...parts('drafts.review', { process })),
                    ),
                  );
                }),
              ),
            ),
          )
        : el('p', {}, say('drafts.none')),
    );
    container.dataset.state = 'ready';
  } catch (err) {
    container.replaceChildren(el('p', { role: 'alert' }, say('drafts.loadFailed', { error: (err as Error).message })));
    container.dataset.state = 'error';
  }
  container.removeAttribute('aria-busy');
}

/** Creates a draft and opens it; a 409 names the open draft of that process, which is offered instead. */
async function createDraft(body: Record<string, unknown>, where: string): Promise<void> {
  note(where, say('drafts.creating'));
  try {
    const draft = await api<{ id: string }>('/drafts', { method: 'POST', body });
    window.location.assign(`/modeler/drafts/${encodeURIComponent(draft.id)}`);
  } catch (err) {
    const open = err instanceof ApiError ? (err.body.draft?.id ?? err.body.draftId) : undefined;
    note(where, say('drafts.notCreated', { error: `${(err as Error).message}${open ? '' : '.'}` }), true);
    if (open) $(where).append(' ', el('a', { href: `/modeler/drafts/${encodeURIComponent(open)}` }, say('drafts.openThat')));
  }
}

if (holder) void listDrafts(holder);

document.getElementById('ims-new-form')?.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = (document.getElementById('ims-new-key') as HTMLInputElement).value.trim();
  if (key) void createDraft({ key }, 'ims-new-state');
});

document.getElementById('ims-import-form')?.addEventListener('submit', (event) => {
  event.preventDefault();
  const file = (document.getElementById('ims-import-file') as HTMLInputElement).files?.[0];
  if (!file) return note('ims-import-state', say('drafts.chooseFile'), true);
  void file.text().then((xml) => createDraft({ xml, reason: say('drafts.importedFrom', { file: file.name }) }, 'ims-import-state'));
});
