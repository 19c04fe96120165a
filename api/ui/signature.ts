import type { AuthenticationError, Principal } from '../../engine/features/accounts/index.js';
import type { FieldError } from '../../engine/kernel/errors.js';
import type { TaskRecord } from '../../engine/kernel/model.js';
import { manifestation, meaningLabel, meaningStatement, signedTime, type SignatureRecord } from '../../engine/features/signatures/index.js';
import { needsUserId } from '../signing.js';
import { SIGNATURE_INPUTS } from '../pages/signature.js';
import { e, str, waitInWords } from './html.js';

export { SIGNATURE_INPUTS, credentialsFrom, signatureAnchor } from '../pages/signature.js';

/**
 * The electronic signature on a task form (21 CFR 11.50, 11.200) as HTML strings in English, for the pages
 * not yet built from components (the task form, the email-link page). Pages built from components use
 * api/pages/signature.ts and components/Signature.tsx, in the reader's language; delete this file when
 * nothing imports it.
 */

/** What the form asks of a signer. */
export interface SigningPrompt {
  /** The meaning as a word: "Verified". */
  label: string;
  /** "By signing you confirm you verified …" */
  statement: string;
  /** The first signing of a session, or one outside a session: the email (user id) as well as the password. */
  askEmail: boolean;
}

/** The prompt for a task that takes a signature; undefined for one that does not. No signer known: both components. */
export function signingPrompt(task: TaskRecord, signer: Principal | undefined): SigningPrompt | undefined {
  if (!task.signature) return undefined;
  return { label: meaningLabel(task.signature), statement: meaningStatement(task.signature, task), askEmail: !signer || needsUserId(signer) };
}

/**
 * The signature part of the form. The password is never filled in again; the email is. A refused signing
 * (`signature`: a wrong password or user id, too many wrong passwords) is the password field's error, where the error
 * summary links to: shown next to it, announced with it.
 */
export function signatureFieldset(prompt: SigningPrompt, values: Record<string, unknown>, errors: FieldError[]): string {
  const errorOf = (field: string) => errors.find((x) => x.field === field)?.message;
  const input = (id: string, name: string, label: string, attributes: string) => {
    const error = errorOf(name) ?? (name === SIGNATURE_INPUTS.password ? errorOf('signature') : undefined);
    const errorId = `${id}-error`;
    return `<div class="field"><label for="${id}">${label}</label>${error ? `<span class="error" id="${errorId}">${e(error)}</span>` : ''}<input id="${id}" name="${name}"${attributes} required${
      error ? ` aria-invalid="true" aria-describedby="${errorId} sig-meaning"` : ' aria-describedby="sig-meaning"'
    }></div>`;
  };
  return `<fieldset class="field signature"><legend>Electronic signature: ${e(prompt.label)}</legend>
<p id="sig-meaning">${e(prompt.statement)}</p>
<p class="hint">Your electronic signature is the legally binding equivalent of your handwritten signature. It is shown with your name, the date and time with your time zone, and its meaning wherever this record is shown.</p>
${prompt.askEmail ? input('s-email', SIGNATURE_INPUTS.email, 'Your email (user id)', ` type="email" autocomplete="username" value="${e(str(values[SIGNATURE_INPUTS.email]))}"`) : ''}
${input('s-password', SIGNATURE_INPUTS.password, 'Your password', ' type="password" autocomplete="current-password"')}
</fieldset>`;
}

/** A signature as shown with its record (11.50): printed name, meaning, date and time with the zone. */
export function signedBlock(signature: SignatureRecord): string {
  const shown = manifestation(signature);
  return `<section class="signature" aria-labelledby="signed-heading"><h2 id="signed-heading">Signed electronically</h2><dl><dt>Signed by</dt><dd>${e(shown.printedName)}</dd><dt>Meaning</dt><dd>${e(
    meaningLabel(shown.meaning),
  )}</dd><dt>Date and time</dt><dd>${e(signedTime(signature))}</dd></dl><p>${e(shown.text)}</p></section>`;
}

/**
 * Why a signature was refused, for the field error: a wait after wrong passwords in words ("try again in
 * 30 seconds"), not the UTC time it ends.
 */
export function notSignedMessage(err: AuthenticationError, now: Date): string {
  const wait = err.retryAt ? Math.max(1, Math.ceil((Date.parse(err.retryAt) - now.getTime()) / 1000)) : 0;
  const why = wait ? `${err.message.replace(/: try again later$/, '')}: try again in ${waitInWords(wait)}` : err.message;
  return `Not signed: ${why}. Nothing was saved.`;
}
