/**
 * The process page (/modeler/processes/:key): the version history with status, effective date, the change
 * and its approval signatures, and how many instances run on each version; each version can be shown,
 * exported as BPMN, SVG or PDF (the PDF bundle is loaded only then), restored as a new draft, and its
 * read-and-understood training coverage listed.
 */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './modeler.css';
import { imsModdleDescriptor } from '../engine/kernel/bpmn/ims-moddle.js';
import { $, announce, api, apiText, download, el, utc } from './http.js';
import { readableLabelsModule } from './label-templates.js';
import { listWordsOf, type ListWords } from './list-words.js';
import type { PdfStamp } from './pdf-export.js';

interface Version {
  version: number;
  name: string;
  hash: string;
  deployedAt: string;
  deployedBy: string;
  deployedByName?: string;
  effectiveAt: string;
  status: 'effective' | 'scheduled' | 'superseded';
  via: string;
  draftId?: string;
  change?: { reason: string; impact: string; author: string; authorName?: string; restoredFrom?: number };
  approvals: { signer: string; name: string; meaning: string; signedAt: string; reason: string; valid?: boolean; text?: string }[];
  instances: { running: number; completed: number; cancelled: number; incident?: number };
  training?: { acknowledged: number; total: number };
}

interface Training {
  due?: string;
  items: { user: string; name: string; role?: string; status: 'open' | 'acknowledged' | 'cancelled'; acknowledgedAt?: string; site?: string }[];
  acknowledged: number;
  total: number;
}

/** Who deploys the shipped processes at start: the installation, not a person. */
const SYSTEM = 'system';

function note(text: string, kind: 'ok' | 'busy' | 'bad' = 'ok'): void {
  announce($('ims-versions-state'), text, kind);
}

/** Loads jsPDF + svg2pdf.js (/assets/pdf-export.js) the first time a PDF is asked for. */
let pdfLoading: Promise<NonNullable<Window['imsPdfExport']>> | undefined;
function pdfExporter(): Promise<NonNullable<Window['imsPdfExport']>> {
  pdfLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/assets/pdf-export.js';
    script.onload = () => (window.imsPdfExport ? resolve(window.imsPdfExport) : reject(new Error('the PDF exporter did not load')));
    script.onerror = () => {
      pdfLoading = undefined;
      reject(new Error('the PDF exporter could not be loaded'));
    };
    document.head.append(script);
  });
  return pdfLoading;
}

async function start(root: HTMLElement, words: ListWords): Promise<void> {
  const { say, parts, time, when } = words;
  const key = root.dataset.key ?? '';
  let versions: Version[];
  try {
    versions = (await api<{ items: Version[] }>(`/processes/${encodeURIComponent(key)}/versions`)).items.sort((a, b) => b.version - a.version);
  } catch (err) {
    note(say('versions.loadFailed', { error: (err as Error).message }), 'bad');
    root.dataset.state = 'error';
    return;
  }
  const me = (await api<{ user: { id: string; name: string } }>('/session').catch(() => undefined))?.user;
  const viewer = new NavigatedViewer({ container: $('ims-version-diagram'), moddleExtensions: { ims: imsModdleDescriptor }, additionalModules: [readableLabelsModule] });
  let shownVersion = 0;
  const xmlOf = (v: number) => apiText(`/definitions/${encodeURIComponent(key)}/versions/${v}`);
  const showVersion = async (v: Version) => {
    await viewer.importXML(await xmlOf(v.version));
    viewer.get<{ zoom(level: string): void }>('canvas').zoom('fit-viewport');
    shownVersion = v.version;
    $('ims-shown-title').textContent = say('versions.shownTitle', { version: v.version, status: say('versionStatus', { status: v.status }) });
    $('ims-version-diagram').setAttribute('aria-label', say('versions.diagramLabel', { version: v.version }));
    $('ims-version-diagram').dataset.version = String(v.version);
  };
  const svgOf = async (v: Version) => {
    if (shownVersion !== v.version) await showVersion(v);
    return (await viewer.saveSVG()).svg;
  };
  const file = (v: Version, extension: string) => `${key}-v${v.version}.${extension}`;

  /**
   * A version's action button: its short text, or its parts with the words only a screen reader needs
   * (the version number) visually hidden; `label` names it where the parts do not already (and in errors).
   */
  const act = (label: string, text: string | (string | Node)[], fn: () => Promise<void>) => {
    const button = Array.isArray(text)
      ? el('button', { type: 'button', class: 'secondary small' }, ...text)
      : el('button', { type: 'button', class: 'secondary small', 'aria-label': label }, text);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await fn();
      } catch (err) {
        note(say('versions.actionFailed', { action: label, error: (err as Error).message }), 'bad');
      } finally {
        button.disabled = false;
      }
    });
    return button;
  };

  // a stacked row on a phone labels each cell with its column's heading, as the page wrote it
  const headings = [...$('ims-version-table').querySelectorAll('thead th')].map((th) => th.textContent ?? '');
  const rows = versions.map((v) => {
    const approvals = v.approvals.length
      ? el(
          'ul',
          {},
          ...v.approvals.map((a) =>
            el(
              'li',
              { 'data-valid': String(a.valid !== false) },
              ...parts('versions.approval', { meaning: say('meaning', { meaning: a.meaning }), name: a.name, when: time(a.signedAt), reason: a.reason }),
              a.valid === false ? el('strong', { class: 'error' }, say('versions.mismatch')) : undefined,
            ),
          ),
        )
      : el('span', { class: 'hint' }, v.via === 'change-control' ? say('versions.noSignature') : say('versions.noReview', { via: v.via }));
    const deployed =
      v.deployedBy === SYSTEM ? parts('versions.shipped', { when: time(v.deployedAt) }) : parts('versions.deployed', { when: time(v.deployedAt), name: v.deployedByName ?? v.deployedBy });
    const change = v.change
      ? say(v.change.restoredFrom ? 'versions.changeRestores' : 'versions.change', { reason: v.change.reason, author: v.change.authorName ?? v.change.author, version: v.change.restoredFrom })
      : undefined;
    const latest = v === versions[0];
    return el(
      'tr',
      { 'data-version': String(v.version) },
      el('td', { 'data-label': headings[0] }, el('strong', {}, String(v.version)), el('br'), el('span', { class: 'hint' }, ...deployed)),
      el('td', { 'data-label': headings[1] }, el('span', { class: `badge ${v.status === 'effective' ? 'approved' : 'pending'}`, 'data-status': v.status }, say('versionStatus', { status: v.status }))),
      el('td', { 'data-label': headings[2] }, time(v.effectiveAt)),
      el('td', { 'data-label': headings[3] }, change ? el('p', {}, change) : undefined, approvals),
      el(
        'td',
        { 'data-label': headings[4], class: 'ims-instances', 'data-running': String(v.instances.running) },
        say('versions.instances', v.instances),
        v.instances.incident ? say('versions.incidents', { count: v.instances.incident }) : '',
        v.training?.total ? el('br') : undefined,
        v.training?.total ? el('span', { class: 'hint' }, say('versions.trained', v.training)) : undefined,
      ),
      el(
        'td',
        { 'data-label': headings[5], class: 'actions' },
        act(say('versions.showLabel', { version: v.version }), say('versions.show'), () => showVersion(v)),
        act(say('versions.downloadLabel', { version: v.version, format: 'BPMN' }), 'BPMN', async () => download(file(v, 'bpmn'), 'application/xml', await xmlOf(v.version))),
        act(say('versions.downloadLabel', { version: v.version, format: 'SVG' }), 'SVG', async () => download(file(v, 'svg'), 'image/svg+xml', await svgOf(v))),
        act(say('versions.downloadLabel', { version: v.version, format: 'PDF' }), 'PDF', async () => {
          note(say('versions.makingPdf'), 'busy');
          const [exporter, svg] = await Promise.all([pdfExporter(), svgOf(v)]);
          // The PDF is a controlled copy: its stamp keeps the signatures' manifestation, in UTC (pdf-export.ts).
          const stamp: PdfStamp = {
            process: `${v.name} (${key})`,
            version: v.version,
            status: v.status,
            effective: utc(v.effectiveAt),
            via: v.via,
            ...(v.change && { change: `${v.change.reason}. Impact: ${v.change.impact}` }),
            approvals: v.approvals.map((a) => ({ ...a, signedAt: utc(a.signedAt) })),
            exportedAt: utc(new Date().toISOString()),
            exportedBy: me ? `${me.name} (${me.id})` : 'unknown',
          };
          download(file(v, 'pdf'), 'application/pdf', await exporter(svg, stamp));
          note(say('versions.pdfMade', { version: v.version }));
        }),
        act(say(latest ? 'versions.edit' : 'versions.restore', { version: v.version }), parts(latest ? 'versions.edit' : 'versions.restore', { version: v.version }), async () => {
          const body = latest ? { key, fromVersion: v.version } : { key, fromVersion: v.version, reason: say('versions.restoreReason', { version: v.version }) };
          const draft = await api<{ id: string }>('/drafts', { method: 'POST', body });
          window.location.assign(`/modeler/drafts/${encodeURIComponent(draft.id)}`);
        }),
        act(say('versions.trainingLabel', { version: v.version }), say('versions.training'), () => showTraining(v)),
      ),
    );
  });
  $('ims-version-table').querySelector('tbody')!.replaceChildren(...rows);

  const showTraining = async (v: Version) => {
    const training = await api<Training>(`/processes/${encodeURIComponent(key)}/versions/${v.version}/training`);
    const columns = [say('training.person'), say('training.role'), say('training.status')];
    const status = (t: Training['items'][number]) =>
      t.status === 'acknowledged' ? parts('training.acknowledged', { when: time(t.acknowledgedAt) }) : [say(t.status === 'open' ? 'training.open' : 'training.cancelled')];
    const values = { version: v.version, acknowledged: training.acknowledged, total: training.total, when: when(training.due) };
    $('ims-training').replaceChildren(
      el('p', { id: 'ims-training-summary' }, say(training.due ? 'training.summaryDue' : 'training.summary', values)),
      training.items.length
        ? el(
            'div',
            { class: 'table-wrap' },
            el(
              'table',
              { class: 'usa-table usa-table--borderless usa-table--stacked stack' },
              el('caption', { class: 'vh usa-sr-only' }, say('training.caption', { version: v.version })),
              el('thead', {}, el('tr', {}, ...columns.map((h) => el('th', { scope: 'col' }, h)))),
              el(
                'tbody',
                {},
                ...training.items.map((t) =>
                  el(
                    'tr',
                    {},
                    el('td', { 'data-label': columns[0] }, t.name || t.user),
                    el('td', { 'data-label': columns[1] }, t.role ? words.role(t.role) : ''),
                    el('td', { 'data-label': columns[2], 'data-status': t.status }, ...status(t)),
                  ),
                ),
              ),
            ),
          )
        : el('p', { class: 'hint' }, say('training.none')),
    );
  };

  const effective = versions.find((v) => v.status === 'effective') ?? versions[0];
  if (effective) await showVersion(effective);
  note(say('versions.summary', { versions: versions.length, running: versions.reduce((n, v) => n + v.instances.running, 0) }));
  root.dataset.state = 'ready';
}

const root = document.getElementById('ims-versions');
if (root) {
  const words = listWordsOf(root);
  start(root, words).catch((err: unknown) => {
    root.dataset.state = 'error';
    note(words.say('failed', { error: err instanceof Error ? err.message : String(err) }), 'bad');
  });
}
