/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { InputHTMLAttributes } from 'preact';
import type { FormField } from '../../../engine/kernel/model.js';
import { ErrorSummary, Field, describedBy } from '../components/Form.js';
import { Notice } from '../components/Notice.js';
import { Shell } from '../components/Shell.js';
import { useReader } from '../reader.js';

/**
 * The public intake pages (ProcessPack.intake): the form anyone may send from a phone, the receipt, the
 * refusal when too many were sent, and the printable poster with QR codes. No viewer: nothing of the
 * signed-in pages (navigation, names, records) is shown.
 */

/** A field as the page asks it, in the reader's words. */
export interface IntakeField {
  field: FormField;
  label: string;
  options: { value: string; label: string }[];
  value?: string;
  error?: string;
}

export interface IntakeFormState {
  title: string;
  intro: string;
  action: string;
  fields: IntakeField[];
  problems: { id: string; message: string }[];
}

const controlId = (key: string) => `intake-${key}`;

export function IntakeFormPage({ state }: { state: IntakeFormState }) {
  const { t } = useReader();
  return (
    <Shell title={state.title}>
      <p class="usa-intro">{state.intro}</p>
      <p>{t('intake.anonymous')}</p>
      <ErrorSummary problems={state.problems} heading={t('intake.problems')} />
      <form class="usa-form usa-form--large" method="post" action={state.action} enctype="multipart/form-data">
        {state.fields.map((item) => (
          <IntakeControl key={item.field.key} item={item} />
        ))}
        <button type="submit" class="usa-button margin-top-3">
          {t('intake.send')}
        </button>
      </form>
    </Shell>
  );
}

function IntakeControl({ item }: { item: IntakeField }) {
  const { t } = useReader();
  const { field } = item;
  const id = controlId(field.key);
  const required = field.required || undefined;
  const hint = field.type === 'file' ? t('intake.photoHint') : field.required ? undefined : t('intake.optional');
  const described = describedBy(id, { hint, error: item.error });
  const invalid = item.error ? ' usa-input--error' : '';
  let control;
  if (field.type === 'select') {
    control = (
      <select class="usa-select" id={id} name={field.key} required={required} {...described}>
        <option value="">{t('intake.choose')}</option>
        {item.options.map((option) => (
          <option key={option.value} value={option.value} selected={option.value === item.value}>
            {option.label}
          </option>
        ))}
      </select>
    );
  } else if (field.type === 'longtext') {
    control = <textarea class={`usa-textarea${invalid}`} id={id} name={field.key} required={required} rows={5} {...described}>{item.value ?? ''}</textarea>;
  } else if (field.type === 'file') {
    control = <input class="usa-file-input" type="file" id={id} name={field.key} accept="image/*" capture="environment" {...described} />;
  } else {
    // one object for both types: Preact's typings tell input types apart (as components/Form.tsx TextField)
    const attributes = { class: `usa-input${invalid}`, type: field.type === 'date' ? 'date' : 'text', id, name: field.key, required, value: item.value || undefined, ...described } as InputHTMLAttributes<HTMLInputElement>;
    control = <input {...attributes} />;
  }
  return (
    <Field id={id} label={item.label} hint={hint} error={item.error}>
      {control}
    </Field>
  );
}

export function IntakeReceiptPage({ title, text, reference, again }: { title: string; text: string; reference: string; again: string }) {
  const { t } = useReader();
  return (
    <Shell title={t('intake.receiptTitle')}>
      <Notice kind="status">
        <p>{t('intake.received')}</p>
      </Notice>
      <p>{text}</p>
      <p>
        {t('intake.reference')} <strong class="font-mono-lg" data-receipt>{reference}</strong>
      </p>
      <p>
        <a class="usa-link" href={again}>
          {t('intake.another', { title })}
        </a>
      </p>
    </Shell>
  );
}

export function IntakeRefusedPage({ again }: { again: string }) {
  const { t } = useReader();
  return (
    <Shell title={t('intake.tooManyTitle')}>
      <Notice kind="alert">
        <p>{t('intake.tooMany')}</p>
      </Notice>
      <p>
        <a class="usa-link" href={again}>
          {t('intake.back')}
        </a>
      </p>
    </Shell>
  );
}

/** One printable QR code: where it leads and what it says. */
export interface Poster {
  heading: string;
  text: string;
  url: string;
  qr: string;
}

export function IntakePosterPage({ title, posters }: { title: string; posters: Poster[] }) {
  const { t } = useReader();
  return (
    <Shell title={title}>
      <p class="usa-hint">{t('intake.posterHint')}</p>
      {posters.map((poster) => (
        <section key={poster.url} class="margin-y-4" aria-label={poster.heading}>
          <h2>{poster.heading}</h2>
          <p>{poster.text}</p>
          <img src={poster.qr} width={240} height={240} alt={t('intake.qrAlt', { url: poster.url })} />
          <p class="font-mono-sm">{poster.url}</p>
        </section>
      ))}
    </Shell>
  );
}
