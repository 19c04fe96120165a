/**
 * Errors the engine raises on purpose. Each names what was wrong so a caller (the API, a worker) can tell
 * the user; `api/` maps them to HTTP status codes in one place.
 */

export interface Problem {
  /** BPMN element id, or a pseudo element such as `definitions` or `xml`: what a click selects, not what a person reads. */
  element: string;
  /** The sentence for people: names the element by kind and name (engine/kernel/bpmn/problem-words.ts). */
  message: string;
  /** Stable code of a definition problem, for translation (the catalogue of problem-words.ts). */
  code?: string;
  /** What the sentence is made of: the element's kind and name, and the code's own values. */
  args?: Record<string, string | number | undefined>;
}

export interface FieldError {
  field: string;
  message: string;
}

export class ImsflowError extends Error {
  override name = 'ImsflowError';
}

/** The BPMN failed validation; nothing was deployed. */
export class InvalidDefinitionError extends ImsflowError {
  override name = 'InvalidDefinitionError';
  constructor(readonly problems: Problem[]) {
    super(`invalid BPMN: ${problems.map((p) => `${p.element}: ${p.message}`).join('; ')}`);
  }
}

/** Input exceeded a size limit. */
export class TooLargeError extends ImsflowError {
  override name = 'TooLargeError';
}

/** Submitted data did not match a form or request schema. */
export class ValidationError extends ImsflowError {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends ImsflowError {
  override name = 'NotFoundError';
}

/**
 * The thing changed under us or is in a state that forbids the action (task already completed, a revision
 * moved on). Retrying the same request will not help unless the state is re-read.
 */
export class ConflictError extends ImsflowError {
  override name = 'ConflictError';
  constructor(
    message: string,
    /** What the caller needs to recover, sent with the 409 (e.g. the revision that is current now). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * The one "not allowed" error (HTTP 403), for the engine, the API and the pages alike: the actor may not do
 * this (not the task's holder, not an approver, against separation of duties), or the caller's role, site,
 * API-token scope or CSRF token does not allow it.
 */
export class NotPermittedError extends ImsflowError {
  override name = 'NotPermittedError';
}

/**
 * Raised by a store when a compare-and-swap fails (a revision moved on, a job claim was lost, a version
 * number was taken). The engine re-reads and redoes the step; callers see a ConflictError only when
 * retries run out.
 */
export class RevisionConflict extends ImsflowError {
  override name = 'RevisionConflict';
}

/** A store refused an inbound event whose (source, eventId) it holds already: the sender repeated it. */
export class DuplicateEventError extends ConflictError {
  override name = 'DuplicateEventError';
  constructor(
    readonly source: string,
    readonly eventId: string,
  ) {
    super(`event ${eventId} from ${source} was received already`);
  }
}

/** Checking an input would cost more time or memory than its budget: refused, nothing kept (HTTP 413). */
export class TooCostlyError extends TooLargeError {
  override name = 'TooCostlyError';
}
