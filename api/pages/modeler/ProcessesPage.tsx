/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { VNode } from 'preact';
import type { Viewer } from '../basics.js';
import { When, ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';
import { HintedField, ModelerShell, useProcessNames, useReaderData } from './parts.js';

/**
 * The processes (/modeler): every deployed process by its name with its latest version, when and by whom it
 * was deployed; the open drafts (filled by home.js from GET /api/drafts); for process owners, a new process
 * and the import of a BPMN file.
 */

/** Who deploys the shipped processes at start: the installation, not a person. */
const SYSTEM = 'system';

export interface DeployedProcess {
  key: string;
  name: string;
  version: number;
  deployedAt: string;
  deployedBy: string;
}

export interface ProcessesState {
  viewer: Viewer;
  processes: DeployedProcess[];
  /** Whether the person may create and change processes. */
  editor: boolean;
  names: Map<string, string>;
}

export function ProcessesPage({ state }: { state: ProcessesState }) {
  const { t, rich, translated, locale } = useReader();
  const { viewer, editor, names } = state;
  const processes = state.processes.map((p) => ({ ...p, shown: translated(`${p.key}.process.name`, p.name) })).sort((a, b) => a.shown.localeCompare(b.shown, locale));
  return (
    <ModelerShell title={t('modelerPages.processes.title')} viewer={viewer} bundle="home">
      <h2>{t('modelerPages.processes.deployed')}</h2>
      {processes.length ? (
        <>
          <table class="usa-table usa-table--borderless usa-table--stacked stack">
            <caption class="vh usa-sr-only">{t('modelerPages.processes.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('modelerPages.processes.process')}</th>
                <th scope="col">{t('modelerPages.processes.latest')}</th>
                <th scope="col">{t('modelerPages.processes.deployedAt')}</th>
              </tr>
            </thead>
            <tbody>
              {processes.map((p) => (
                <tr key={p.key}>
                  <td data-label={t('modelerPages.processes.process')}>
                    <a href={`/modeler/processes/${encodeURIComponent(p.key)}`}>{p.shown}</a>
                  </td>
                  <td data-label={t('modelerPages.processes.latest')}>{t('modelerPages.version', { version: p.version })}</td>
                  <td data-label={t('modelerPages.processes.deployedAt')}>
                    {p.deployedBy === SYSTEM
                      ? rich<VNode>('modelerPages.processes.shipped', { when: <When iso={p.deployedAt} /> })
                      : rich<VNode>('modelerPages.processes.deployedBy', { when: <When iso={p.deployedAt} />, name: names.get(p.deployedBy) ?? p.deployedBy })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <ZoneNote />
        </>
      ) : (
        <p>{t('modelerPages.processes.none')}</p>
      )}
      <h2>{t('modelerPages.processes.drafts')}</h2>
      <div id="ims-drafts" data-state="loading" aria-busy="true" data-process-names={useProcessNames(state.processes)} {...useReaderData()}>
        <p>{t('modelerPages.processes.loadingDrafts')}</p>
      </div>
      {editor ? <CreateForms /> : <p class="usa-hint hint">{t('modelerPages.processes.readOnly')}</p>}
    </ModelerShell>
  );
}

function CreateForms() {
  const { t } = useReader();
  return (
    <>
      <h2 id="new-title">{t('modelerPages.new.title')}</h2>
      <form id="ims-new-form" class="usa-form decide" aria-labelledby="new-title">
        <HintedField id="ims-new-key" label={t('modelerPages.new.key')} hint={t('modelerPages.new.keyHint')}>
          <input class="usa-input" type="text" id="ims-new-key" name="key" required pattern="[A-Za-z_][A-Za-z0-9_\-]*" aria-describedby="ims-new-key-hint" autocomplete="off" />
        </HintedField>
        <button type="submit" class="usa-button">
          {t('modelerPages.new.submit')}
        </button>
        <p id="ims-new-state" class="ims-state" role="status" aria-live="polite"></p>
      </form>
      <h2 id="import-title">{t('modelerPages.import.title')}</h2>
      <form id="ims-import-form" class="usa-form decide" aria-labelledby="import-title">
        <HintedField id="ims-import-file" label={t('modelerPages.import.file')} hint={t('modelerPages.import.hint')} hintId="ims-import-hint">
          <input type="file" id="ims-import-file" name="file" accept=".bpmn,.xml,application/xml,text/xml" required aria-describedby="ims-import-hint" />
        </HintedField>
        <button type="submit" class="usa-button">
          {t('modelerPages.import.submit')}
        </button>
        <p id="ims-import-state" class="ims-state" role="status" aria-live="polite"></p>
      </form>
    </>
  );
}
