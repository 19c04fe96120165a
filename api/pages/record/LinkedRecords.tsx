/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { When } from '../components/Time.js';
import { useReader } from '../reader.js';

/**
 * The threads to other records, both ways: each other record by number (a link when the reader may see
 * it, else "not visible to you"), its process by name, what the link is about, where it stands now.
 */
export interface LinkedRow {
  rel: 'started' | 'origin';
  businessKey: string;
  /** Set when the reader may open the other record. */
  instanceId?: string;
  processKey: string;
  processName?: string;
  label: string;
  at: string;
  status?: string;
  /** The other record's open steps (their names as drawn, translated where the pack ships words). */
  steps?: { elementId: string; name: string }[];
}

export function LinkedRecords({ rows, record }: { rows: LinkedRow[]; record: string }) {
  const { t, translated, rich } = useReader();
  if (!rows.length) return null;
  const caption = t('records.linked.caption', { record });
  return (
    <section aria-labelledby="linked">
      <h2 id="linked">{t('records.linked.heading')}</h2>
      <div class="ims-table-scroll">
        <table class="usa-table usa-table--compact usa-table--stacked links">
          <caption class="usa-sr-only">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t('records.linked.record')}</th>
              <th scope="col">{t('records.linked.process')}</th>
              <th scope="col">{t('records.linked.about')}</th>
              <th scope="col">{t('records.linked.status')}</th>
              <th scope="col">{t('records.linked.since')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const key = row.instanceId ? <a href={`/records/${row.instanceId}`}>{row.businessKey}</a> : row.businessKey;
              const words = row.rel === 'started' ? 'records.linked.raised' : 'records.linked.raisedBy';
              return (
                <tr key={`${row.rel}-${row.businessKey}`}>
                  <th scope="row" data-label={t('records.linked.record')}>
                    {rich(words, { record: key })}
                  </th>
                  <td data-label={t('records.linked.process')}>{row.processName ? translated(`${row.processKey}.process.name`, row.processName) : row.processKey}</td>
                  <td data-label={t('records.linked.about')}>{row.label}</td>
                  <td data-label={t('records.linked.status')}>
                    {row.status ? (
                      <>
                        {t('values.status', { status: row.status })}
                        {row.steps?.length ? <span class="hint"> {t('records.linked.at', { steps: row.steps.map((step) => translated(`${row.processKey}.${step.elementId}.name`, step.name)).join(', ') })}</span> : null}
                      </>
                    ) : (
                      <span class="hint">{t('records.linked.notVisible')}</span>
                    )}
                  </td>
                  <td data-label={t('records.linked.since')}>
                    <When iso={row.at} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
