/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Viewer } from '../basics.js';
import { ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';
import { ModelerShell, useReaderData } from './parts.js';

/**
 * A process's page (/modeler/processes/:key), filled by versions.js: its versions (status, effective date,
 * change and approval, instances, actions), the diagram of the one selected, and who acknowledged its
 * training. Headed by the process's name in the reader's language; by its key only while no version is
 * deployed.
 */
export function VersionsPage({ viewer, processKey, name }: { viewer: Viewer; processKey: string; name: string | undefined }) {
  const { t, translated } = useReader();
  const title = name ? translated(`${processKey}.process.name`, name) : processKey;
  return (
    <ModelerShell title={title} viewer={viewer} bundle="versions">
      <div id="ims-versions" data-key={processKey} data-state="loading" {...useReaderData()}>
        <p>
          <a href="/modeler">{t('modelerPages.allProcesses')}</a>
        </p>
        <p id="ims-versions-state" role="status" aria-live="polite">
          {t('modelerPages.versions.loading')}
        </p>
        <h2>{t('modelerPages.versions.title')}</h2>
        <div class="table-wrap">
          <table id="ims-version-table" class="usa-table usa-table--borderless usa-table--stacked stack">
            <caption class="vh usa-sr-only">{t('modelerPages.versions.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('modelerPages.versions.version')}</th>
                <th scope="col">{t('modelerPages.versions.status')}</th>
                <th scope="col">{t('modelerPages.versions.effective')}</th>
                <th scope="col">{t('modelerPages.versions.change')}</th>
                <th scope="col">{t('modelerPages.versions.instances')}</th>
                <th scope="col">{t('modelerPages.versions.actions')}</th>
              </tr>
            </thead>
            <tbody></tbody>
          </table>
        </div>
        <ZoneNote />
        <h2 id="ims-shown-title">{t('modelerPages.versions.diagram')}</h2>
        <div id="ims-version-diagram" class="ims-diagram"></div>
        <h2>{t('modelerPages.versions.training')}</h2>
        <div id="ims-training">
          <p class="usa-hint hint">{t('modelerPages.versions.trainingHint')}</p>
        </div>
      </div>
    </ModelerShell>
  );
}
