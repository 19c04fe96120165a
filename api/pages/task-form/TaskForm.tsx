/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren } from 'preact';
import type { Catalogue } from '../../../engine/features/catalogue/index.js';
import type { FormField, TaskRecord } from '../../../engine/kernel/model.js';
import { acceptedBy, MAX_ATTACHMENT_LABEL } from '../attachments.js';
import { signatureAnchor, signatureProblem, type SigningPrompt } from '../signature.js';
import { str } from '../basics.js';
import { CsrfField } from '../components/Form.js';
import { useReader } from '../reader.js';
import { ChecklistField } from './Checklist.js';
import { ClausesField } from './Clauses.js';
import { iterationLabel } from './clauses.js';
import { EXAMPLE_DATE, problemText, requiredNote } from './problems.js';
import { SignatureFieldset } from '../components/Signature.js';
import { keptName, type FieldChoices, type FormState, type Person } from './submit.js';
import { listOf } from './clauses.js';
import { fieldWords, type FormProblem } from './words.js';

/**
 * The task form, shared by the signed-in task page (/tasks/:id), the page opened from an email link
 * (/t/:token) and the start form (/new/:key, as the start event's form) so all look and behave the same: every field type in the reader's words, the problems of a
 * form sent back at its top (each linking to its field) and next to their fields, the signature when the
 * step takes one.
 */

export interface TaskFormProps extends FormState {
  task: TaskRecord;
  action: string;
  /** The session's CSRF token, for signed-in pages. */
  csrf?: string;
  /** Who a person field offers. */
  people: Person[];
  /** For a task with a signature meaning: the signature part of the form. */
  signing?: SigningPrompt;
  /** What a `clauses` field offers. */
  catalogue: Catalogue;
  /** The button's words when the form does not complete a task (a start form: "Start"). */
  submitLabel?: string;
  /** What fields of a pack's type offer (choicesFor), by field key; a field without any is a text box. */
  choices?: FieldChoices;
}

export const fieldId = (key: string) => `f-${key}`;

export function TaskForm(props: TaskFormProps) {
  const { task, action, csrf, signing, catalogue } = props;
  const { t } = useReader();
  const hasFile = task.form.some((f) => f.type === 'file');
  return (
    <>
      <IterationLine task={task} catalogue={catalogue} />
      <FormProblems task={task} errors={props.errors ?? []} values={props.values ?? {}} />
      <form method="post" action={action} enctype={hasFile ? 'multipart/form-data' : undefined} class="usa-form ims-task-form">
        <CsrfField token={csrf} />
        {task.form.map((field) => (
          <FieldControl key={field.key} field={field} {...props} />
        ))}
        {signing ? <SignatureFieldset prompt={signing} values={props.values ?? {}} errors={props.errors ?? []} /> : null}
        <p>
          <button type="submit" class="usa-button">
            {props.submitLabel ?? (signing ? t('taskForm.signAndComplete') : t('taskForm.complete'))}
          </button>
        </p>
      </form>
    </>
  );
}

/** For an iteration of a multi-instance task: which element (clause, action) it is for. */
export function IterationLine({ task, catalogue }: { task: Pick<TaskRecord, 'iteration'>; catalogue: Catalogue }) {
  const { t } = useReader();
  const label = task.iteration ? iterationLabel(task.iteration.item, catalogue, (clause) => t('taskForm.clause', { clause })) : '';
  if (!label) return null;
  return (
    <p class="iteration">
      <strong>{t('taskForm.for')}</strong> {label}
    </p>
  );
}

/** The problems of a form sent back, at its top: a count, then each one linking to its field. */
function FormProblems({ task, errors, values }: { task: TaskRecord; errors: FormProblem[]; values: Record<string, unknown> }) {
  const reader = useReader();
  if (!errors.length) return null;
  const keys = new Set(task.form.map((f) => f.key));
  return (
    <div class="usa-alert usa-alert--error usa-alert--slim notice bad" role="alert">
      <div class="usa-alert__body">
        <p class="usa-alert__text">{reader.t('taskForm.problems', { count: errors.length })}</p>
        <ul class="usa-list">
          {errors.map((error, i) => {
            const anchor = keys.has(error.field) ? fieldId(error.field) : signatureAnchor(error.field);
            const text = keys.has(error.field) || !anchor ? problemText(reader, task, error, values) : signatureProblem(reader, error);
            return <li key={i}>{anchor ? <a href={`#${anchor}`}>{text}</a> : text}</li>;
          })}
        </ul>
      </div>
    </div>
  );
}

/** The attributes that tie a control to its problem and hints (the problem first). */
export function described(error: string | undefined, id: string, ...hints: (string | undefined | false)[]) {
  const ids = [error ? `${id}-error` : '', ...hints].filter(Boolean).join(' ');
  return { 'aria-invalid': error ? ('true' as const) : undefined, 'aria-describedby': ids || undefined };
}

export function ProblemText({ id, text }: { id: string; text: string | undefined }) {
  return text ? (
    <span class="usa-error-message error" id={`${id}-error`}>
      {text}
    </span>
  ) : null;
}

/** A labelled control with its hint and problem (USWDS form group); the extension forms use it too. */
export function Group({ id, error, label, hint, children }: { id: string; error?: string; label: ComponentChildren; hint?: ComponentChildren; children: ComponentChildren }) {
  return (
    <div class={error ? 'usa-form-group usa-form-group--error field' : 'usa-form-group field'}>
      <label class="usa-label" for={id}>
        {label}
      </label>
      {hint ? (
        <div class="usa-hint hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      <ProblemText id={id} text={error} />
      {children}
    </div>
  );
}

function FieldControl({ field, task, values = {}, errors = [], people, kept, catalogue, choices }: { field: FormField } & TaskFormProps) {
  const reader = useReader();
  const { t } = reader;
  const id = fieldId(field.key);
  const words = fieldWords(reader, task, field);
  const problem = errors.find((x) => x.field === field.key);
  const error = problem ? problemText(reader, task, problem, values) : undefined;
  const label = `${words.label}${requiredNote(reader, task, field)}`;
  const value = str(values[field.key]);
  const input = (kind: string) => `usa-${kind}${error ? ` usa-${kind}--error` : ''}`;
  switch (field.type) {
    case 'longtext':
      return (
        <Group id={id} error={error} label={label}>
          <textarea class={input('textarea')} id={id} name={field.key} rows={5} required={field.required} {...described(error, id)} value={value} />
        </Group>
      );
    case 'select':
      return (
        <Group id={id} error={error} label={label}>
          <select class={input('select')} id={id} name={field.key} required={field.required} {...described(error, id)}>
            <option value="">{t('taskForm.choose')}</option>
            {(field.options ?? []).map((o) => (
              <option key={o.value} value={o.value} selected={o.value === value}>
                {words.option(o)}
              </option>
            ))}
          </select>
        </Group>
      );
    case 'person':
      return (
        <Group id={id} error={error} label={label}>
          <select class={input('select')} id={id} name={field.key} required={field.required} {...described(error, id)}>
            <option value="">{t('taskForm.choosePerson')}</option>
            {/* only who may be chosen: a field asking for a role (ims:role) offers its holders */}
            {people.filter((p) => !field.role || p.roles.includes(field.role)).map((p) => (
              <option key={p.id} value={p.id} selected={p.id === value}>
                {p.name}
              </option>
            ))}
          </select>
        </Group>
      );
    case 'checkbox':
      return (
        <div class={error ? 'usa-form-group usa-form-group--error field check' : 'usa-form-group field check'}>
          <ProblemText id={id} text={error} />
          {/* a native box, seen and tapped where it is (USWDS's draws one on the label and moves the input off screen) */}
          <input type="checkbox" id={id} name={field.key} checked={value === 'on' || value === 'true'} {...described(error, id)} />{' '}
          <label for={id}>{label}</label>
        </div>
      );
    case 'file': {
      const earlier = kept?.[field.key];
      const accepted = acceptedBy(field.accept);
      return (
        <Group id={id} error={error} label={label} hint={t('taskForm.fileHint', { types: accepted.label, max: MAX_ATTACHMENT_LABEL })}>
          {earlier ? (
            <>
              <p class="usa-hint hint" id={`${id}-kept`}>
                {reader.rich('taskForm.fileKept', { name: earlier.name, size: reader.number(earlier.size / 1024, { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 1 }), b: (chunks: ComponentChildren) => <strong>{chunks}</strong> })}
              </p>
              <input type="hidden" name={keptName(field.key)} value={earlier.sha256} />
            </>
          ) : null}
          <input class="usa-file-input" type="file" id={id} name={field.key} accept={accepted.accept} required={field.required && !earlier} {...described(error, id, `${id}-hint`, earlier && `${id}-kept`)} />
        </Group>
      );
    }
    case 'checklist':
      return <ChecklistField field={field} task={task} values={values} label={label} error={error} />;
    case 'clauses':
      return <ClausesField field={field} values={values} label={label} catalogue={catalogue} error={error} />;
    case 'date':
      // Chromium shows a date input in the browser's own format, whatever the page's language: the hint is an
      // example in the reader's words, not a pattern that may contradict what the box shows.
      return (
        <Group id={id} error={error} label={label} hint={t('taskForm.dateHint', { example: reader.calendarDate(EXAMPLE_DATE) })}>
          <input class={input('input')} type="date" id={id} name={field.key} value={value} required={field.required} {...described(error, id, `${id}-hint`)} />
        </Group>
      );
    case 'number':
      return (
        <Group id={id} error={error} label={label}>
          <input class={input('input')} type="number" id={id} name={field.key} value={value} step="any" inputMode="decimal" required={field.required} {...described(error, id)} />
        </Group>
      );
    default: {
      // a pack's type that offers what may be picked: a list of them (several may be picked when it takes several)
      const choice = choices?.[field.key];
      if (choice) {
        const { offered, multiple: several } = choice;
        const picked = new Set(listOf(values[field.key]));
        return (
          <Group id={id} error={error} label={label}>
            <select class={input('select')} id={id} name={field.key} required={field.required} multiple={several || undefined} size={several ? Math.min(8, Math.max(3, offered.length)) : undefined} {...described(error, id)}>
              {several ? null : <option value="">{t('taskForm.choose')}</option>}
              {offered.map((choice) => (
                <option key={choice.value} value={choice.value} selected={picked.has(choice.value)}>
                  {choice.label}
                </option>
              ))}
            </select>
          </Group>
        );
      }
      return (
        <Group id={id} error={error} label={label}>
          <input class={input('input')} type="text" id={id} name={field.key} value={value} maxLength={10000} required={field.required} {...described(error, id)} />
        </Group>
      );
    }
  }
}
