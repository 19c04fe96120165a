/**
 * Why no controlled copy can be made, with the HTTP status the API's error mapper answers (it passes any
 * error carrying a 4xx `status` through with its message).
 */

export type CopyErrorCode = 'unsupported-type' | 'malformed-pdf' | 'encrypted-pdf' | 'too-large' | 'too-many-pages' | 'invalid-stamp' | 'too-costly' | 'busy';

const STATUS: Record<CopyErrorCode, number> = {
  'unsupported-type': 415,
  'malformed-pdf': 422,
  'encrypted-pdf': 422,
  'too-large': 413,
  'too-many-pages': 413,
  'invalid-stamp': 400,
  'too-costly': 413,
  busy: 429,
};

export class CopyError extends Error {
  override name = 'CopyError';
  readonly status: number;

  constructor(
    readonly code: CopyErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}
