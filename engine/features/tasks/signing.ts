import { AuthenticationError, type Accounts, type Principal } from '../accounts/index.js';
import { ValidationError, type FieldError } from '../../kernel/errors.js';
import { validateFormData, type FormContext } from '../../kernel/forms.js';
import type { TaskRecord } from '../../kernel/model.js';
import type { SignatureInput } from '../signatures/index.js';

// Electronic signatures (21 CFR 11.200): which components a signing needs and the re-authentication that
// stands behind it. The complete-task command signs with these; change control's approvals do too.

/** What a person gives to sign: the password always, the user id (email) when 11.200 asks for both. */
export interface SignatureCredentials {
  password?: string;
  email?: string;
}

/** What re-authenticates a signer: the accounts (engine/features/accounts/accounts.ts). */
export type Reauthenticator = Pick<Accounts, 'reauthenticate'>;

/**
 * Whether a signing needs both components (21 CFR 11.200(a)(1)): the first signing of a session, and any
 * signing outside a continuous session (an API token, a task link), need the user id and the password;
 * later signings in the same session need the password only.
 */
export function needsUserId(principal: Principal): boolean {
  return !principal.session?.signedAt;
}

/**
 * The signature components given, and the field problems when one that 11.200 asks for is missing: the
 * password always, the user id (email) on the first signing of a session or outside one.
 */
export function signatureComponents(principal: Principal, given: SignatureCredentials | undefined): { password?: string; email?: string; problems: FieldError[] } {
  const password = typeof given?.password === 'string' && given.password !== '' ? given.password : undefined;
  const email = typeof given?.email === 'string' && given.email.trim() !== '' ? given.email.trim() : undefined;
  const problems: FieldError[] = [];
  if (password === undefined) problems.push({ field: 'signature.password', message: 'your password is required to sign' });
  if (needsUserId(principal) && email === undefined) {
    problems.push({ field: 'signature.email', message: principal.session ? 'the first signature of a session needs your email (user id) as well' : 'a signature made without a session needs your email (user id) as well' });
  }
  return { ...(password !== undefined && { password }), ...(email !== undefined && { email }), problems };
}

/** Re-authenticates the signer (11.200); a wrong password is an AuthenticationError and nothing is signed. */
export async function reauthenticateSigner(accounts: Reauthenticator, principal: Principal, password: string, email: string | undefined): Promise<SignatureInput> {
  if (!principal.user.active) throw new AuthenticationError('the account is not active');
  await accounts.reauthenticate(principal, password, email);
  return { userId: principal.user.id, printedName: principal.user.name, method: email !== undefined ? 'password+userid' : 'password' };
}

/**
 * Checks the signature components for completing `task` and re-authenticates the signer. Returns what the
 * engine records, or undefined for a task that takes no signature. Field problems (the form's and the
 * signature's) are reported together before the password is checked, so a form that would be refused never
 * costs a signing; a wrong password is an AuthenticationError and nothing is completed.
 */
export async function signatureFor(
  accounts: Reauthenticator,
  principal: Principal,
  task: TaskRecord,
  data: unknown,
  given: SignatureCredentials | undefined,
  formContext: FormContext = {},
): Promise<SignatureInput | undefined> {
  if (!task.signature) {
    if (given !== undefined) throw new ValidationError('this task takes no electronic signature', [{ field: 'signature', message: 'this task takes no electronic signature' }]);
    return undefined;
  }
  // A closed task: the engine says so (409), whatever was given.
  if (task.status !== 'open') return undefined;
  const fields: FieldError[] = [];
  try {
    await validateFormData(task.form, data, { ...formContext, ...(task.site && { site: task.site }) });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    fields.push(...err.fields);
  }
  const { password, email, problems } = signatureComponents(principal, given);
  fields.push(...problems);
  const both = needsUserId(principal);
  if (fields.length) throw new ValidationError(problems.length ? `“${task.name}” must be signed: give ${both ? 'your email and password' : 'your password'}` : `the form has ${fields.length} error${fields.length === 1 ? '' : 's'}`, fields);
  return reauthenticateSigner(accounts, principal, password!, email);
}
