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
import { countOf } from '../engine/kernel/words.js';
import { $, announce, api, apiText, download, el, utc } from './http.js';
import type { PdfStamp } from './pdf-export.js';

interface Version {
  version: number;
  name: string;
  hash: string;
  deployedAt: string;
  deployedBy: string;
  effectiveAt: string;
  status: 'effective' | 'scheduled' | 'superseded';
  via: string;
  draftId?: string;
  change?: { reason: string; impact: string; author: string; restoredFrom?: number };
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

function say(text: string, kind: 'ok' | 'busy' | 'bad' = 'ok'): void {
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

async function start(root: HTMLElement): Promise<void> {
  const key = root.dataset.key ?? '';
  let versions: Version[];
  try {
    versions = (await api<{ items: Version[] }>(`/processes/${encodeURIComponent(key)}/versions`)).items.sort((a, b) => b.version - a.version);
  } catch (err) {
    say(`The versions could not be loaded: ${(err as Error).message}`, 'bad');
    root.dataset.state = 'error';
    return;
  }
  const me = (await api<{ user: { id: string; name: string } }>('/session').catch(() => undefined))?.user;
  const viewer = new NavigatedViewer({ container: $('ims-version-diagram'), moddleExtensions: { ims: imsModdleDescriptor } });
  let shownVersion = 0;
  const xmlOf = (v: number) => apiText(`/definitions/${encodeURIComponent(key)}/versions/${v}`);
  const showVersion = async (v: Version) => {
    await viewer.importXML(await xmlOf(v.version));
    viewer.get<{ zoom(level: string): void }>('canvas').zoom('fit-viewport');
    shownVersion = v.version;
    $('ims-shown-title').textContent = `Diagram of version ${v.version} (${v.status})`;
    $('ims-version-diagram').setAttribute('aria-label', `Process diagram, version ${v.version}`);
    $('ims-version-diagram').dataset.version = String(v.version);
  };
  const svgOf = async (v: Version) => {
    if (shownVersion !== v.version) await showVersion(v);
    return (await viewer.saveSVG()).svg;
  };
  const file = (v: Version, extension: string) => `${key}-v${v.version}.${extension}`;

  /**
   * A version's action button. `text` is what it shows, inside its accessible name `label`; or, as parts,
   * the label with the words only a screen reader needs (the version number) visually hidden.
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
        say(`${label}: ${(err as Error).message}`, 'bad');
      } finally {
        button.disabled = false;
      }
    });
    return button;
  };

  const rows = versions.map((v) => {
    const approvals = v.approvals.length
      ? el(
          'ul',
          {},
          ...v.approvals.map((a) =>
            el(
              'li',
              { 'data-valid': String(a.valid !== false) },
              `${a.text ?? `${a.meaning} by ${a.name} (${a.signer}) ${utc(a.signedAt)}`}: ${a.reason}`,
              a.valid === false ? el('strong', { class: 'error' }, ' The signature does not match this version’s content.') : undefined,
            ),
          ),
        )
      : el('span', { class: 'hint' }, v.via === 'change-control' ? 'no signature' : `no review (${v.via})`);
    return el(
      'tr',
      { 'data-version': String(v.version) },
      el('td', { 'data-label': 'Version' }, el('strong', {}, String(v.version)), el('br'), el('span', { class: 'hint' }, `deployed ${utc(v.deployedAt)} by ${v.deployedBy}`)),
      el('td', { 'data-label': 'Status' }, el('span', { class: `badge ${v.status === 'effective' ? 'approved' : 'pending'}` }, v.status)),
      el('td', { 'data-label': 'Effective' }, utc(v.effectiveAt)),
      el(
        'td',
        { 'data-label': 'Change and approval' },
        v.change ? el('p', {}, `${v.change.reason} (by ${v.change.author}${v.change.restoredFrom ? `, restores version ${v.change.restoredFrom}` : ''})`) : undefined,
        approvals,
      ),
      el(
        'td',
        { 'data-label': 'Instances', class: 'ims-instances', 'data-running': String(v.instances.running) },
        `${v.instances.running} running · ${v.instances.completed} completed · ${v.instances.cancelled} cancelled${v.instances.incident ? ` · ${v.instances.incident} with an incident` : ''}`,
        v.training?.total ? el('br') : undefined,
        v.training?.total ? el('span', { class: 'hint' }, `trained: ${v.training.acknowledged} of ${v.training.total}`) : undefined,
      ),
      el(
        'td',
        { 'data-label': 'Actions', class: 'actions' },
        act(`Show version ${v.version}`, 'Show', () => showVersion(v)),
        act(`Download version ${v.version} as BPMN`, 'BPMN', async () => download(file(v, 'bpmn'), 'application/xml', await xmlOf(v.version))),
        act(`Download version ${v.version} as SVG`, 'SVG', async () => download(file(v, 'svg'), 'image/svg+xml', await svgOf(v))),
        act(`Download version ${v.version} as PDF`, 'PDF', async () => {
          say('Making the PDF…', 'busy');
          const [exporter, svg] = await Promise.all([pdfExporter(), svgOf(v)]);
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
          say(`PDF of version ${v.version} made.`);
        }),
        act(`${v === versions[0] ? 'Edit' : 'Restore'} version ${v.version} as a new draft`, [v === versions[0] ? 'Edit' : 'Restore', el('span', { class: 'vh' }, ` version ${v.version}`), ' as a new draft'], async () => {
          const body = v === versions[0] ? { key, fromVersion: v.version } : { key, fromVersion: v.version, reason: `restore version ${v.version}` };
          const draft = await api<{ id: string }>('/drafts', { method: 'POST', body });
          window.location.assign(`/modeler/drafts/${encodeURIComponent(draft.id)}`);
        }),
        act(`Training on version ${v.version}`, 'Training', () => showTraining(v)),
      ),
    );
  });
  $('ims-version-table').querySelector('tbody')!.replaceChildren(...rows);

  const showTraining = async (v: Version) => {
    const training = await api<Training>(`/processes/${encodeURIComponent(key)}/versions/${v.version}/training`);
    $('ims-training').replaceChildren(
      el('p', { id: 'ims-training-summary' }, `Version ${v.version}: ${training.acknowledged} of ${training.total} people acknowledged they read and understood it${training.due ? ` (due ${utc(training.due)})` : ''}.`),
      training.items.length
        ? el(
            'div',
            { class: 'table-wrap' },
            el(
              'table',
              { class: 'stack' },
              el('thead', {}, el('tr', {}, ...['Person', 'Role', 'Status'].map((h) => el('th', { scope: 'col' }, h)))),
              el(
                'tbody',
                {},
                ...training.items.map((t) =>
                  el('tr', {}, el('td', { 'data-label': 'Person' }, `${t.name} (${t.user})`), el('td', { 'data-label': 'Role' }, t.role ?? ''), el('td', { 'data-label': 'Status' }, t.status === 'acknowledged' ? `acknowledged ${utc(t.acknowledgedAt)}` : t.status)),
                ),
              ),
            ),
          )
        : el('p', { class: 'hint' }, 'No training was assigned for this version.'),
    );
  };

  const effective = versions.find((v) => v.status === 'effective') ?? versions[0];
  if (effective) await showVersion(effective);
  say(`${countOf(versions.length, 'version')}; ${countOf(versions.reduce((n, v) => n + v.instances.running, 0), 'instance')} running.`);
  root.dataset.state = 'ready';
}

const root = document.getElementById('ims-versions');
if (root) {
  start(root).catch((err: unknown) => {
    root.dataset.state = 'error';
    say(`The page failed: ${err instanceof Error ? err.message : String(err)}`, 'bad');
  });
}
