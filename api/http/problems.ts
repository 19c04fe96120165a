import type { Response } from 'express';
import { problemsInLocale } from '../../engine/kernel/bpmn/problem-catalogue.js';
import type { Problem } from '../../engine/kernel/errors.js';
import { readerOf } from '../pages/reader.js';

/**
 * Definition problems as the API answers them (draft create/get/save, submit, deploy): `message` in the
 * reader's language — the signed-in person's locale (their own, else their site's, else the
 * installation's), for a request without a person the language its Accept-Language asks for — and
 * `code`/`args`/`element` unchanged, so a client that wants other words builds them from the code.
 */
export function problemsFor<P extends Problem>(res: Response, problems: P[]): P[] {
  return problemsInLocale(problems, readerOf(res).locale);
}

/** A body carrying `problems` (a draft, a save result) with them in the reader's language. */
export function withProblemsFor<T extends { problems: Problem[] }>(res: Response, body: T): T {
  return { ...body, problems: problemsFor(res, body.problems) };
}
