/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Response } from 'express';
import { CsrfField, Field } from './components/Form.js';
import { Notice } from './components/Notice.js';
import { Shell } from './components/Shell.js';
import { waitInWords } from './components/Duration.js';
import { useReader } from './reader.js';
import { sendDocument } from './render.js';

/** A message of the sign-in page (api/pages/messages/<language>/signIn.json), with a wait when it names one. */
export interface SignInMessage {
  id: string;
  waitSeconds?: number;
}

/** What the sign-in page shows: where to go afterwards, the email typed, a problem or a confirmation. */
export interface SignInState {
  next: string;
  email?: string;
  error?: SignInMessage;
  info?: SignInMessage;
}

/**
 * The sign-in page. `token` is the pre-session CSRF token (also in a short-lived cookie), so another site
 * cannot sign a browser into its own account. A problem is an alert the fields point to.
 */
export function SignInPage({ token, state }: { token: string; state: SignInState }) {
  const reader = useReader();
  const { t } = reader;
  const say = (message: SignInMessage) => t(message.id, message.waitSeconds === undefined ? undefined : { wait: waitInWords(reader, message.waitSeconds) });
  const invalid = state.error ? ({ 'aria-invalid': 'true', 'aria-describedby': 'login-error' } as const) : {};
  return (
    <Shell title={t('signIn.title')}>
      {state.info ? (
        <Notice kind="status">
          <p>{say(state.info)}</p>
        </Notice>
      ) : null}
      {state.error ? (
        <Notice kind="alert">
          <p id="login-error">{say(state.error)}</p>
        </Notice>
      ) : null}
      <form class="usa-form" method="post" action="/login">
        <CsrfField token={token} />
        <input type="hidden" name="next" value={state.next} />
        <Field id="email" label={t('signIn.email')}>
          <input class="usa-input" type="email" id="email" name="email" autocomplete="username" required value={state.email || undefined} {...invalid} />
        </Field>
        <Field id="password" label={t('signIn.password')}>
          <input class="usa-input" type="password" id="password" name="password" autocomplete="current-password" required {...invalid} />
        </Field>
        <button type="submit" class="usa-button margin-top-3">
          {t('signIn.submit')}
        </button>
      </form>
    </Shell>
  );
}

/** Sends the sign-in page with `status` (200, or the 4xx of a refused attempt). */
export function sendSignInPage(res: Response, status: number, token: string, state: SignInState): void {
  sendDocument(res, status, <SignInPage token={token} state={state} />);
}
