import { ValidationError, type FieldError } from '../../errors.js';
import { validateFormData, type FormContext } from '../../forms.js';
import type { TaskRecord } from '../../model.js';
import { meaningLabel, type SignatureInput } from '../../signatures.js';

/**
 * The form data, cleaned, when the completion may go ahead; otherwise one ValidationError naming every
 * problem: the form's fields, and `signature` when a signature is missing, not wanted or not the actor's.
 */
export function validateCompletion(task: TaskRecord, data: unknown, actor: string, signature: SignatureInput | undefined, context: FormContext): Record<string, unknown> {
  let cleaned: Record<string, unknown> = {};
  let formError: ValidationError | undefined;
  try {
    cleaned = validateFormData(task.form, data, context);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    formError = err;
  }
  const problems: FieldError[] = [];
  if (task.signature && !signature) {
    problems.push({ field: 'signature', message: `“${task.name}” must be signed electronically (${meaningLabel(task.signature).toLowerCase()}): sign it to complete it` });
  } else if (!task.signature && signature) {
    problems.push({ field: 'signature', message: 'this task takes no electronic signature' });
  } else if (signature) {
    if (signature.userId !== actor) problems.push({ field: 'signature', message: 'a signature is made by the person completing the task' });
    if (typeof signature.printedName !== 'string' || !signature.printedName.trim()) problems.push({ field: 'signature', message: "the signer's printed name is required" });
    if (signature.method !== 'password' && signature.method !== 'password+userid') problems.push({ field: 'signature', message: 'the signature method must be password or password+userid' });
  }
  if (!problems.length) {
    if (formError) throw formError;
    return cleaned;
  }
  throw new ValidationError(task.signature && !signature ? `“${task.name}” needs an electronic signature` : 'invalid signature', [...(formError?.fields ?? []), ...problems]);
}
