/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { InputHTMLAttributes } from 'preact';
import type { FieldError } from '../../../engine/kernel/errors.js';
import type { SignatureMeaning } from '../../../engine/kernel/model.js';
import type { SignatureRecord } from '../../../engine/features/signatures/index.js';
import { useReader } from '../reader.js';
import { Field } from './Form.js';
import { SIGNATURE_INPUTS, signatureProblem, type SigningPrompt } from '../signature.js';

/**
 * The electronic signature (21 CFR 11.50, 11.200) as people meet it: the part of a task form that signs,
 * and the signature as shown with its record (printed name, meaning, date and time with the zone). Words in
 * the reader's language; the time on the signer's clock (the zone kept with the signature), so everyone
 * sees the time the signer saw, with its zone named.
 */

/** The meaning as a word in the reader's language: "Verified", "Geprüft", "Vérifié". */
export function useMeaning(): (meaning: SignatureMeaning) => string {
  const { t } = useReader();
  return (meaning) => t(`signature.meaning.${meaning}`);
}

/**
 * The signature part of a task form. The password is never filled in again; the email is. A refused
 * signing (`signature`: a wrong password or user id, too many wrong passwords) is the password field's
 * error, where the error summary links to: shown next to it, announced with it. `refusal` is that error
 * already in words (notSignedMessage).
 */
export function SignatureFieldset({ prompt, values, errors, refusal }: { prompt: SigningPrompt; values: Record<string, unknown>; errors: FieldError[]; refusal?: string }) {
  const reader = useReader();
  const { t, translated } = reader;
  const meaning = useMeaning();
  const problemOf = (name: string) => {
    const problem = errors.find((x) => x.field === name) ?? (name === SIGNATURE_INPUTS.password ? errors.find((x) => x.field === 'signature') : undefined);
    if (name === SIGNATURE_INPUTS.password && refusal) return refusal;
    return problem && signatureProblem(reader, problem);
  };
  const task = translated(`${prompt.step}.name`, prompt.taskName);
  const input = (id: string, name: string, label: string, attributes: { type: 'email' | 'password'; autocomplete: string; value?: string }) => {
    const error = problemOf(name);
    // One object for both types: Preact's typings tell input types apart, which a union of them defeats.
    const control = {
      class: error ? 'usa-input usa-input--error' : 'usa-input',
      id,
      name,
      ...attributes,
      required: true,
      'aria-invalid': error ? 'true' : undefined,
      'aria-describedby': error ? `${id}-error sig-meaning` : 'sig-meaning',
    } as InputHTMLAttributes<HTMLInputElement>;
    return (
      <Field id={id} label={label} error={error}>
        <input {...control} />
      </Field>
    );
  };
  return (
    <fieldset class="usa-fieldset ims-signature">
      <legend class="usa-legend">{t('signature.legend', { meaning: meaning(prompt.meaning) })}</legend>
      <p id="sig-meaning">{t(`signature.statement.${prompt.meaning}`, { task, record: prompt.record })}</p>
      <p class="usa-hint">{t('signature.binding')}</p>
      {prompt.askEmail
        ? input('s-email', SIGNATURE_INPUTS.email, t('signature.email'), { type: 'email', autocomplete: 'username', value: typeof values[SIGNATURE_INPUTS.email] === 'string' ? (values[SIGNATURE_INPUTS.email] as string) : '' })
        : null}
      {input('s-password', SIGNATURE_INPUTS.password, t('signature.password'), { type: 'password', autocomplete: 'current-password' })}
    </fieldset>
  );
}

/**
 * When a signature was made, on the signer's clock with the zone named ("4 May 2026, 09:00:00 CEST
 * (Europe/Zurich)"), in the reader's language; `datetime` keeps the instant.
 */
export function SignedAt({ signature }: { signature: Pick<SignatureRecord, 'signedAt' | 'timeZone'> }) {
  const { locale } = useReader();
  return <time datetime={signature.signedAt}>{signedAtText(locale, signature)}</time>;
}

export function signedAtText(locale: string, signature: Pick<SignatureRecord, 'signedAt' | 'timeZone'>): string {
  const zone = signature.timeZone || 'UTC';
  let shown: string;
  try {
    shown = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'long', timeZone: zone }).format(new Date(signature.signedAt));
  } catch {
    return signature.signedAt;
  }
  return zone === 'UTC' ? shown : `${shown} (${zone})`;
}

/** A signature as shown with its record right after signing (11.50): printed name, meaning, date and time with the zone. */
export function SignedBlock({ signature }: { signature: SignatureRecord }) {
  const { rich, t } = useReader();
  const meaning = useMeaning();
  return (
    <section class="ims-signature" aria-labelledby="signed-heading">
      <h2 id="signed-heading">{t('signature.signed')}</h2>
      <dl class="ims-facts">
        <dt>{t('signature.signedBy')}</dt>
        <dd>{signature.printedName}</dd>
        <dt>{t('signature.meaning')}</dt>
        <dd>{meaning(signature.meaning)}</dd>
        <dt>{t('signature.dateTime')}</dt>
        <dd>
          <SignedAt signature={signature} />
        </dd>
      </dl>
      <p>{rich('signature.manifestation', { meaning: meaning(signature.meaning), name: signature.printedName, time: <SignedAt signature={signature} /> })}</p>
    </section>
  );
}

/**
 * One line for a signature on a record page: "Signed electronically: Verified by Quinn Manager on …. The
 * signature matches the record." — or, as an alert, that it no longer does and why.
 */
export function SignatureLine({ signature, valid, changes }: { signature: SignatureRecord; valid: boolean; changes?: string[] }) {
  const { rich, t } = useReader();
  const meaning = useMeaning();
  const text = rich('signature.manifestation', { meaning: meaning(signature.meaning), name: signature.printedName, time: <SignedAt signature={signature} /> });
  if (valid) {
    return (
      <p class="ims-signed">
        <strong>{t('signature.signedLead')}</strong> {text}. {t('signature.matches')}
      </p>
    );
  }
  return (
    <div class="usa-alert usa-alert--error usa-alert--slim" role="alert">
      <div class="usa-alert__body">
        <p>
          <strong>{t('signature.noLongerMatches')}</strong> {text}. {(changes ?? []).join('; ')}
        </p>
      </div>
    </div>
  );
}
