import { TooLargeError, ValidationError } from './errors.js';

const MAX_VARIABLES_BYTES = 256 * 1024;

/** A reason, required of every change a person makes by hand (it goes to the audit trail). */
export function requireReason(reason: unknown): void {
  if (typeof reason !== 'string' || !reason.trim()) throw new ValidationError('a reason is required', [{ field: 'reason', message: 'is required' }]);
}

/** Process variables handed in from outside: an object, and not too large to store. */
export function checkVariables(variables: unknown): void {
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    throw new ValidationError('variables must be an object', [{ field: 'variables', message: 'must be an object' }]);
  }
  const size = Buffer.byteLength(JSON.stringify(variables));
  if (size > MAX_VARIABLES_BYTES) throw new TooLargeError(`variables are ${size} bytes; the limit is ${MAX_VARIABLES_BYTES}`);
}
