import type { AuthenticationError, Principal } from '../../engine/features/accounts/index.js';
import type { FieldError } from '../../engine/kernel/errors.js';
import type { Reader } from '../../engine/kernel/i18n/index.js';
import type { SignatureMeaning, TaskRecord } from '../../engine/kernel/model.js';
import { needsUserId, type SignatureCredentials } from '../signing.js';
import { str } from './basics.js';
import { waitInWords } from './components/Duration.js';

/**
 * The electronic signature on a task form (21 CFR 11.50, 11.200), apart from its markup
 * (components/Signature.tsx): what the form asks of the signer, the inputs it posts, and why a signing was
 * refused, in the reader's words. The engine's reasons are English sentences (the JSON API answers with
 * them); the ones a signer meets are translated here, anything else is shown as the engine said it.
 */

/** What the form asks of a signer. */
export interface SigningPrompt {
  meaning: SignatureMeaning;
  /** The step's name as authored (the page translates it through the pack's catalogue). */
  taskName: string;
  /** `<processKey>.<elementId>`: the step's id in the pack catalogues. */
  step: string;
  /** What is signed for: the record's title (or its business key). */
  record: string;
  /** The first signing of a session, or one outside a session: the email (user id) as well as the password. */
  askEmail: boolean;
}

/** Input names: not identifiers, so they never meet a form field's key. */
export const SIGNATURE_INPUTS = { password: 'signature.password', email: 'signature.email' } as const;

/**
 * The prompt for a task that takes a signature; undefined for one that does not. No signer known: both
 * components. `record` is the record's title when the page knows it (engine/kernel/present recordTitle).
 */
export function signingPrompt(task: TaskRecord, signer: Principal | undefined, record?: string): SigningPrompt | undefined {
  if (!task.signature) return undefined;
  return { meaning: task.signature, taskName: task.name, step: `${task.definitionKey}.${task.elementId}`, record: record ?? task.businessKey, askEmail: !signer || needsUserId(signer) };
}

/** The signature components in a posted form. */
export function credentialsFrom(body: Record<string, unknown>): SignatureCredentials {
  return { password: str(body[SIGNATURE_INPUTS.password]), email: str(body[SIGNATURE_INPUTS.email]) };
}

/** Where an error summary links a signature problem to. */
export function signatureAnchor(field: string): string | undefined {
  if (field === SIGNATURE_INPUTS.email) return 's-email';
  if (field === SIGNATURE_INPUTS.password || field === 'signature') return 's-password';
  return undefined;
}

/** The engine's signing problems (engine/features/tasks/signing.ts, accounts.reauthenticate) → message ids. */
const PROBLEMS: Record<string, string> = {
  'your password is required to sign': 'signature.problem.passwordMissing',
  'the first signature of a session needs your email (user id) as well': 'signature.problem.emailFirstInSession',
  'a signature made without a session needs your email (user id) as well': 'signature.problem.emailWithoutSession',
  'this task takes no electronic signature': 'signature.problem.notTaken',
};

const REFUSALS: Record<string, string> = {
  'the password is wrong': 'signature.refused.wrongPassword',
  'the user id does not match the signed-in user': 'signature.refused.otherUser',
  'the account is not active': 'signature.refused.inactive',
  'too many wrong passwords: try again later': 'signature.refused.tooMany',
};

/** A signature field's problem in the reader's words (as the engine said it when it is none we know). */
export function signatureProblem(reader: Pick<Reader, 't'>, problem: FieldError): string {
  const id = PROBLEMS[problem.message];
  return id ? reader.t(id) : problem.message;
}

/**
 * Why a signature was refused, for the password field's error: "Not signed: the password is wrong. Nothing
 * was saved." A wait after wrong passwords is said in words ("try again in 30 seconds"), not as the time it
 * ends.
 */
export function notSignedMessage(reader: Pick<Reader, 't' | 'number'>, err: AuthenticationError, now: Date): string {
  const waitSeconds = err.retryAt ? Math.max(1, Math.ceil((Date.parse(err.retryAt) - now.getTime()) / 1000)) : 0;
  const id = REFUSALS[err.message];
  const why = id === 'signature.refused.tooMany' && waitSeconds ? reader.t('signature.refused.tooManyWait', { wait: waitInWords(reader, waitSeconds) }) : id ? reader.t(id) : err.message;
  return reader.t('signature.notSigned', { why });
}
