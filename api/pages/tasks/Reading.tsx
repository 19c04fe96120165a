/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { DefinitionRecord, InstanceRecord, UserRecord } from '../../../engine/kernel/model.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { hasRole } from '../../auth.js';
import { When } from '../components/Time.js';
import { useReader } from '../reader.js';

/**
 * A read-and-understood task (the shipped process `training-acknowledgement`, started by change control when
 * a version is published) asks a person to read a version of a process: the page names that version, says
 * what changed in the words of the change as submitted and approved, and links to the version (diagram and
 * history) and, for those who may read reviews, to the change side by side.
 */
export const TRAINING_PROCESS = 'training-acknowledgement';
/** Who may open a change's review page (the change-control API's readers). */
const REVIEW_READERS = ['process-owner', 'quality-manager', 'auditor'] as const;

export interface Reading {
  key: string;
  name: string;
  version: number;
  effectiveAt?: string;
  change?: DefinitionRecord['change'];
  reviewHref?: string;
}

export async function readingOf(imsflow: ProcessEngine, instance: InstanceRecord | undefined, user: UserRecord, name: (key: string, authored: string) => string): Promise<Reading | undefined> {
  if (!instance || instance.key !== TRAINING_PROCESS) return undefined;
  const key = String(instance.variables.processKey ?? '');
  const version = Number(instance.variables.version);
  if (!key || !Number.isSafeInteger(version)) return undefined;
  const definition = await imsflow.queries.findDefinition(key, version);
  if (!definition) return undefined;
  return {
    key,
    name: name(key, definition.name),
    version,
    ...(definition.effectiveAt && { effectiveAt: definition.effectiveAt }),
    ...(definition.change && { change: definition.change }),
    ...(definition.draftId && hasRole(user, REVIEW_READERS) && { reviewHref: `/modeler/drafts/${encodeURIComponent(definition.draftId)}/review` }),
  };
}

export function ReadingPart({ reading }: { reading: Reading }) {
  const { t } = useReader();
  return (
    <section class="usa-summary-box ims-reading" aria-labelledby="reading-title">
      <div class="usa-summary-box__body">
        <h2 class="usa-summary-box__heading" id="reading-title">
          {t('tasks.reading.title', { process: reading.name, version: reading.version })}
        </h2>
        <div class="usa-summary-box__text">
          {reading.effectiveAt ? (
            <p>
              {t('tasks.reading.effective')} <When iso={reading.effectiveAt} />
            </p>
          ) : null}
          {reading.change ? (
            <dl class="ims-facts facts">
              <dt>{t('tasks.reading.why')}</dt>
              <dd class="pre">{reading.change.reason}</dd>
              <dt>{t('tasks.reading.impact')}</dt>
              <dd class="pre">{reading.change.impact}</dd>
            </dl>
          ) : (
            <p>{t('tasks.reading.noChange')}</p>
          )}
          <ul class="usa-list">
            <li>
              <a class="usa-summary-box__link usa-link" href={`/modeler/processes/${encodeURIComponent(reading.key)}?version=${reading.version}`}>
                {t('tasks.reading.open', { process: reading.name, version: reading.version })}
              </a>
            </li>
            {reading.reviewHref ? (
              <li>
                <a class="usa-summary-box__link usa-link" href={reading.reviewHref}>
                  {t('tasks.reading.compare')}
                </a>
              </li>
            ) : null}
          </ul>
        </div>
      </div>
    </section>
  );
}
