/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Catalogue, CatalogueEntry } from '../../../engine/features/catalogue/index.js';
import type { FormField } from '../../../engine/kernel/model.js';
import { useReader } from '../reader.js';
import { clauseGroups, depthIn, listOf, standardsText } from './clauses.js';
import { described, fieldId, ProblemText } from './TaskForm.js';

/**
 * A `clauses` field: a fieldset of checkboxes grouped by chapter, each chapter's heading a checkbox too,
 * then the extension standards' records; each clause with the standards it applies to. Every box posts
 * the field's name with a clause id as its value.
 */
export function ClausesField({ field, values, label, catalogue, error }: { field: FormField; values: Record<string, unknown>; label: string; catalogue: Catalogue; error?: string }) {
  const { t } = useReader();
  const id = fieldId(field.key);
  const chosen = new Set(listOf(values[field.key]));
  const index = new Map(catalogue.records.map((entry, n) => [entry, n]));
  const Box = ({ entry }: { entry: CatalogueEntry }) => {
    const boxId = `${id}-${index.get(entry)}`;
    // the standards are part of the name: 8.2 means one thing in ISO 9001 and another in ISO 14001
    return (
      <>
        <input type="checkbox" id={boxId} name={field.key} value={entry.id} checked={chosen.has(entry.id)} />{' '}
        <label for={boxId}>
          {entry.number} {entry.title} <span class="usa-hint hint std">{standardsText(entry.standards)}</span>
        </label>
      </>
    );
  };
  return (
    <fieldset class="usa-fieldset field clauses" id={id} aria-describedby={described(error, id, `${id}-hint`)['aria-describedby']}>
      <legend class="usa-legend">{label}</legend>
      <p class="usa-hint hint" id={`${id}-hint`}>
        {t('taskForm.clausesHint')}
      </p>
      <ProblemText id={id} text={error} />
      {clauseGroups(catalogue).map((group, n) => (
        <fieldset class="usa-fieldset chapter" key={n}>
          <legend>{group.head ? <Box entry={group.head} /> : t('taskForm.extension', { standard: group.standard ?? '' })}</legend>
          {group.entries.length ? (
            <ul class="clause-picks">
              {group.entries.map((entry) => (
                <li key={entry.id} class={`depth-${depthIn(catalogue, entry, group)}`}>
                  <Box entry={entry} />
                </li>
              ))}
            </ul>
          ) : null}
        </fieldset>
      ))}
    </fieldset>
  );
}
