/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { InputHTMLAttributes } from 'preact';
import type { SignatureRecord } from '../../../engine/features/signatures/index.js';
import type { TaskRecord } from '../../../engine/kernel/model.js';
import { SIGNATURE_INPUTS, type SigningPrompt } from '../../ui/signature.js';
import { str } from '../../ui/html.js';
import { When } from '../components/Time.js';
import { useReader } from '../reader.js';
import { ProblemText } from './TaskForm.js';
import type { FormProblem } from './words.js';

/**
 * The electronic signature on a task form (21 CFR 11.50, 11.200), in the reader's words: what signing
 * means, the components asked for (the password never filled in again), and a signature as shown once
 * made: printed name, meaning, date and time on the signer's clock with the zone named.
 */

export function SignatureFields({ prompt, task, values, errors }: { prompt: SigningPrompt; task: Pick<TaskRecord, "signature" | "businessKey" | "name">; values: Record<string, unknown>; errors: FormProblem[] }) {
  const { t } = useReader();
  const meaning = task.signature ?? 'approved';
  const errorOf = (name: string) => errors.find((x) => x.field === name)?.message ?? (name === SIGNATURE_INPUTS.password ? errors.find((x) => x.field === 'signature')?.message : undefined);
  const input = (id: string, name: string, label: string, attributes: { type: 'email' | 'password'; autocomplete: string; value?: string }) => {
    const error = errorOf(name);
    return (
      <div class={error ? 'usa-form-group usa-form-group--error field' : 'usa-form-group field'}>
        <label class="usa-label" for={id}>
          {label}
        </label>
        <ProblemText id={id} text={error} />
        <input {...({ class: error ? 'usa-input usa-input--error' : 'usa-input', id, name, ...attributes, required: true, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': error ? `${id}-error sig-meaning` : 'sig-meaning' } as InputHTMLAttributes<HTMLInputElement>)} />
      </div>
    );
  };
  return (
    <fieldset class="usa-fieldset field signature">
      <legend class="usa-legend">{t('taskForm.signature.legend', { meaning: t(`taskForm.signature.meaning.${meaning}`) })}</legend>
      <p id="sig-meaning">{t(`taskForm.signature.statement.${meaning}`, { step: task.name, record: task.businessKey })}</p>
      <p class="usa-hint hint">{t('taskForm.signature.binding')}</p>
      {prompt.askEmail ? input('s-email', SIGNATURE_INPUTS.email, t('taskForm.signature.email'), { type: 'email', autocomplete: 'username', value: str(values[SIGNATURE_INPUTS.email]) || undefined }) : null}
      {input('s-password', SIGNATURE_INPUTS.password, t('taskForm.signature.password'), { type: 'password', autocomplete: 'current-password' })}
    </fieldset>
  );
}

/** A signature as shown with its record (11.50): printed name, meaning, date and time. */
export function SignedBlock({ signature }: { signature: SignatureRecord }) {
  const { t, rich, zoneName } = useReader();
  const meaning = t(`taskForm.signature.meaning.${signature.meaning}`);
  return (
    <section class="usa-summary-box signature" aria-labelledby={`signed-${signature.id}`}>
      <div class="usa-summary-box__body">
        <h2 class="usa-summary-box__heading" id={`signed-${signature.id}`}>
          {t('taskForm.signature.signed')}
        </h2>
        <dl class="ims-facts facts">
          <dt>{t('taskForm.signature.signedBy')}</dt>
          <dd>{signature.printedName}</dd>
          <dt>{t('taskForm.signature.meaningLabel')}</dt>
          <dd>{meaning}</dd>
          <dt>{t('taskForm.signature.when')}</dt>
          <dd>
            <When iso={signature.signedAt} /> ({zoneName()})
          </dd>
        </dl>
        <p>{rich('taskForm.signature.manifestation', { meaning, name: signature.printedName, when: <When iso={signature.signedAt} /> })}</p>
      </div>
    </section>
  );
}
