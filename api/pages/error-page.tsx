/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Response } from 'express';
import type { FieldError } from '../../engine/kernel/errors.js';
import type { Viewer } from './basics.js';
import { Notice } from './components/Notice.js';
import { Shell } from './components/Shell.js';
import { useReader } from './reader.js';
import { sendDocument } from './render.js';

/** What went wrong, as the pages' error mapper (api/http/errors.ts) tells it. */
export type ErrorKind = 'notFound' | 'notAllowed' | 'notSignedIn' | 'conflict' | 'invalid' | 'tooLarge' | 'unreadable' | 'refused' | 'fault';

export interface ErrorPageProps {
  kind: ErrorKind;
  viewer?: Viewer;
  /** The engine's reason, as it said it (English: its problems are not in the catalogue yet). */
  detail?: string;
  fields?: FieldError[];
}

/**
 * A refusal or a fault as a page a person can read: a heading saying what happened, the reason, what to do
 * next, and the way back. Faults say nothing of their insides.
 */
export function ErrorPage({ kind, viewer, detail, fields = [] }: ErrorPageProps) {
  const { t } = useReader();
  // a refusal's reason as a sentence; a missing thing's never (it would tell what exists)
  const reason = detail && kind !== 'notFound' ? (kind === 'notAllowed' ? `${detail.charAt(0).toUpperCase()}${detail.slice(1)}.` : detail) : undefined;
  return (
    <Shell title={t(`errors.${kind}.title`)} viewer={viewer}>
      <Notice kind="alert">
        {reason ? <p>{reason}</p> : null}
        {fields.length ? (
          <ul>
            {fields.map((f) => (
              <li key={f.field}>{`${f.field}: ${f.message}`}</li>
            ))}
          </ul>
        ) : null}
        <p>{t(`errors.${kind}.body`)}</p>
      </Notice>
      {kind === 'notSignedIn' ? (
        <p>
          <a href="/login">{t('errors.signIn')}</a>
        </p>
      ) : null}
      {viewer ? (
        <p>
          <a href="/tasks">{t('errors.back')}</a>
        </p>
      ) : null}
    </Shell>
  );
}

export function sendErrorPage(res: Response, status: number, props: ErrorPageProps): void {
  sendDocument(res, status, <ErrorPage {...props} />);
}
