/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Response } from 'express';
import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import type { FieldError } from '../../engine/kernel/errors.js';
import { Field } from './components/Form.js';
import { Notice } from './components/Notice.js';
import { Shell } from './components/Shell.js';
import { useReader } from './reader.js';
import { sendDocument } from './render.js';

/**
 * The first-administrator setup page (/setup/<token>, routes in api/setup.ts), in the language the browser
 * asks for: nobody is signed in yet. No CSRF token: the one-time link in the server's log is the secret.
 */

/** The engine's words for a refused field (people.saveUser, accounts.passwordProblems) → message ids. */
const PROBLEMS: Record<string, string> = {
  'name:is required': 'setup.problem.nameMissing',
  'email:is not an email address': 'setup.problem.email',
  'password:password is required': 'setup.problem.passwordMissing',
  'password:password must be at least 12 characters': 'setup.problem.passwordShort',
  'password:password must be at most 256 characters': 'setup.problem.passwordLong',
  'password:password is too common or too simple': 'setup.problem.passwordCommon',
  'password:password must not contain your email name': 'setup.problem.passwordEmail',
  'password:password must not contain your name': 'setup.problem.passwordName',
};

const FIELDS = ['name', 'email', 'password'] as const;

function useProblem(): (problem: FieldError) => string {
  const { t } = useReader();
  return (problem) => {
    const id = PROBLEMS[`${problem.field}:${problem.message}`];
    return id ? t(id) : `${problem.field}: ${problem.message}`;
  };
}

/** The form; sent back with the name and email typed (never the password) and each problem at its field. */
export function SetupForm({ token, values, problems }: { token: string; values: Record<string, string>; problems: FieldError[] }) {
  const { t } = useReader();
  const say = useProblem();
  const errorOf = (field: string) => {
    const mine = problems.filter((p) => p.field === field);
    return mine.length ? mine.map(say).join(' ') : undefined;
  };
  const control = (field: (typeof FIELDS)[number], type: 'text' | 'email' | 'password', autocomplete: string, hint?: string) => {
    const error = errorOf(field);
    const described = [error ? `${field}-error` : '', hint ? `${field}-hint` : ''].filter(Boolean).join(' ') || undefined;
    return (
      <Field id={field} label={t(`setup.${field}`)} hint={hint} error={error}>
        <input
          {...({
            class: error ? 'usa-input usa-input--error' : 'usa-input',
            id: field,
            name: field,
            type,
            autocomplete,
            required: true,
            value: type === 'password' ? undefined : values[field] || undefined,
            'aria-invalid': error ? 'true' : undefined,
            'aria-describedby': described,
            // One object for the three types: Preact's typings tell input types apart, which a union of them defeats.
          } as InputHTMLAttributes<HTMLInputElement>)}
        />
      </Field>
    );
  };
  return (
    <Shell title={t('setup.title')}>
      {problems.length ? (
        <Notice kind="alert">
          <p class="usa-alert__text">{t('setup.problems', { count: problems.length })}</p>
          <ul class="usa-list">
            {problems.map((problem, i) => (
              <li key={i}>{(FIELDS as readonly string[]).includes(problem.field) ? <a href={`#${problem.field}`}>{say(problem)}</a> : say(problem)}</li>
            ))}
          </ul>
        </Notice>
      ) : (
        <p>{t('setup.intro')}</p>
      )}
      <form method="post" action={`/setup/${token}`} class="usa-form">
        {control('name', 'text', 'name')}
        {control('email', 'email', 'username')}
        {control('password', 'password', 'new-password', t('setup.passwordHint'))}
        <button type="submit" class="usa-button margin-top-3">
          {t('setup.submit')}
        </button>
      </form>
    </Shell>
  );
}

function Message({ title, children }: { title: string; children: ComponentChildren }) {
  return <Shell title={title}>{children}</Shell>;
}

export function SetupNotFound() {
  const { t } = useReader();
  return (
    <Message title={t('setup.notFound.title')}>
      <p>{t('setup.notFound.message')}</p>
    </Message>
  );
}

export function SetupDone() {
  const { t, rich } = useReader();
  return (
    <Message title={t('setup.created.title')}>
      <Notice kind="status">
        <p>{rich('setup.created.message', { a: (chunks: ComponentChildren) => <a href="/login">{chunks}</a> })}</p>
      </Notice>
    </Message>
  );
}

export function sendSetupForm(res: Response, status: number, token: string, values: Record<string, string> = {}, problems: FieldError[] = []): void {
  sendDocument(res, status, <SetupForm token={token} values={values} problems={problems} />);
}

export function sendSetupNotFound(res: Response): void {
  sendDocument(res, 404, <SetupNotFound />);
}

export function sendSetupDone(res: Response): void {
  sendDocument(res, 200, <SetupDone />);
}
