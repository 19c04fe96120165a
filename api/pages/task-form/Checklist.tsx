/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { CHECKLIST_RESULTS } from '../../../engine/kernel/forms.js';
import type { FormField, TaskRecord } from '../../../engine/kernel/model.js';
import { str } from '../basics.js';
import { useReader } from '../reader.js';
import { rowName } from './submit.js';
import { described, fieldId, ProblemText } from './TaskForm.js';
import { fieldWords } from './words.js';

/**
 * A checklist field: a table of its items (its ims:option elements), a result (radio buttons) and a note per
 * row. On a phone the table stacks, one item per block.
 */
export function ChecklistField({ field, task, values, label, error }: { field: FormField; task: Pick<TaskRecord, 'definitionKey' | 'elementId'>; values: Record<string, unknown>; label: string; error?: string }) {
  const reader = useReader();
  const { t } = reader;
  const id = fieldId(field.key);
  const words = fieldWords(reader, task, field);
  return (
    <fieldset class="usa-fieldset field checklist" id={id} aria-describedby={described(error, id)['aria-describedby']}>
      <legend class="usa-legend">{label}</legend>
      <ProblemText id={id} text={error} />
      <div class="table-wrap ims-table-scroll">
        <table class="usa-table usa-table--borderless usa-table--stacked stack">
          <thead>
            <tr>
              <th scope="col">{t('taskForm.checklist.item')}</th>
              <th scope="col">{t('taskForm.checklist.result')}</th>
              <th scope="col">{t('taskForm.checklist.note')}</th>
            </tr>
          </thead>
          <tbody>
            {(field.options ?? []).map((item, index) => {
              const itemLabel = words.option(item);
              const rowId = `${id}-${index}`;
              const chosen = str(values[rowName(field.key, index, 'result')]);
              return (
                <tr key={item.value}>
                  <th scope="row" id={rowId}>
                    {itemLabel}
                  </th>
                  <td data-label={t('taskForm.checklist.result')}>
                    <fieldset class="usa-fieldset radios">
                      <legend class="usa-sr-only vh">{t('taskForm.checklist.resultFor', { item: itemLabel })}</legend>
                      {CHECKLIST_RESULTS.map((result, n) => (
                        <label key={result} for={`${rowId}-${result}`}>
                          <input type="radio" id={`${rowId}-${result}`} name={rowName(field.key, index, 'result')} value={result} checked={chosen === result} required={field.required && n === 0} />{' '}
                          {t(`taskForm.checklist.${result}`)}
                        </label>
                      ))}
                    </fieldset>
                  </td>
                  <td>
                    <label class="usa-label note" for={`${rowId}-note`}>
                      {t('taskForm.checklist.note')}
                      <span class="usa-sr-only vh"> {t('taskForm.checklist.noteOn', { item: itemLabel })}</span>
                    </label>
                    <input class="usa-input" type="text" id={`${rowId}-note`} name={rowName(field.key, index, 'note')} value={str(values[rowName(field.key, index, 'note')])} maxLength={2000} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </fieldset>
  );
}
