import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AuthenticationError, LoginThrottledError } from '../../engine/features/accounts/index.js';
import { megabytes } from '../../engine/kernel/bpmn/parse.js';
import { ConflictError, ImsflowError, InvalidDefinitionError, NotFoundError, NotPermittedError, TooLargeError, ValidationError, type FieldError } from '../../engine/kernel/errors.js';
import { UnauthenticatedError } from '../auth.js';
import { sendErrorPage, type ErrorKind } from '../pages/error-page.js';
import { viewerOf } from '../pages/session.js';
import { problemsFor } from './problems.js';

/**
 * The error mappers, one per transport: errors to HTTP for the JSON API and for the pages. Routes throw the
 * engine's errors (engine/kernel/errors.ts) and never pick a status for them themselves.
 */

/** The JSON API's: every error body is `{ error, ...details }`. Mounted last on the app. */
export function apiErrorHandler(logger?: Logger): ErrorRequestHandler {
  return (err, req, res: Response, _next) => {
    if (err instanceof InvalidDefinitionError) return res.status(422).json({ error: err.message, problems: problemsFor(res, err.problems) });
    if (err instanceof ValidationError) return res.status(400).json({ error: err.message, fields: err.fields });
    if (err instanceof UnauthenticatedError) return res.status(401).json({ error: err.message });
    if (err instanceof LoginThrottledError) {
      return res.status(429).set('Retry-After', String(err.retryAfterSeconds)).json({ error: err.message, retryAt: err.retryAt });
    }
    if (err instanceof AuthenticationError) {
      if (err.retryAt) res.set('Retry-After', String(Math.max(1, Math.ceil((Date.parse(err.retryAt) - Date.now()) / 1000))));
      return res.status(401).json({ error: err.message, ...(err.retryAt && { retryAt: err.retryAt }) });
    }
    if (err instanceof NotPermittedError) return res.status(403).json({ error: err.message });
    if (err instanceof NotFoundError) return res.status(404).json({ error: err.message });
    if (err instanceof ConflictError) return res.status(409).json({ error: err.message, ...err.details });
    if (err instanceof TooLargeError) return res.status(413).json({ error: err.message });
    if (err instanceof ImsflowError) return res.status(400).json({ error: err.message });
    // Errors raised by express's body parsers carry a status and a type.
    if (err?.type === 'entity.too.large') return res.status(413).json({ error: `the request is larger than ${megabytes(err.limit)}, the most accepted here; nothing was saved` });
    if (err?.type === 'entity.parse.failed') return res.status(400).json({ error: 'request body is not valid JSON', fields: [{ field: 'body', message: 'is not valid JSON' }] });
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) return res.status(err.status).json({ error: err.message });
    // req.log (pino-http) carries the request id; the answer gives it too, so a report can be matched to the log.
    (req.log ?? logger)?.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    return res.status(500).json({ error: 'internal error: the server logged the details', ...(req.id !== undefined && { requestId: req.id }) });
  };
}

/** The pages': errors as pages a person can read, in their language. Errors of other routes (the API) go on to the JSON mapper. */
export function pageErrorHandler(logger?: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (!res.locals.uiPage || res.headersSent) return next(err);
    const viewer = req.principal ? viewerOf(req) : undefined;
    const show = (status: number, kind: ErrorKind, detail?: string, fields?: FieldError[]) => sendErrorPage(res, status, { kind, viewer, ...(detail && { detail }), ...(fields && { fields }) });
    if (err instanceof NotFoundError) return show(404, 'notFound');
    if (err instanceof NotPermittedError) return show(403, 'notAllowed', err.message);
    if (err instanceof UnauthenticatedError || err instanceof AuthenticationError) return show(401, 'notSignedIn', err.message);
    if (err instanceof ConflictError) return show(409, 'conflict', err.message);
    if (err instanceof ValidationError) return show(400, 'invalid', err.message, err.fields);
    if (err instanceof TooLargeError || err?.type === 'entity.too.large') return show(413, 'tooLarge');
    if (err?.type === 'entity.parse.failed' || err?.type === 'parameters.too.many') return show(400, 'unreadable');
    if (err instanceof ImsflowError) return show(400, 'refused', err.message);
    logger?.error({ err, method: req.method, url: req.originalUrl }, 'page failed');
    return show(500, 'fault');
  };
}
