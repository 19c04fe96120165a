/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren, InputHTMLAttributes } from 'preact';

/**
 * Form parts in the design system's markup (USWDS: usa-form-group, usa-label, usa-hint, usa-error-message,
 * usa-input; see README.md here). A field's problem is text next to it, announced with the field
 * (aria-describedby) and marked on the control (aria-invalid), never colour alone.
 */

/**
 * The hidden CSRF field every state-changing form carries: the session's token, or the sign-in form's
 * pre-session token. Nothing when there is no token (a request signed in with an API token).
 */
export function CsrfField({ token }: { token: string | undefined }) {
  return token ? <input type="hidden" name="_csrf" value={token} /> : null;
}

/** The attributes a control needs to point at its hint and problem: pass them on to the input or select. */
export function describedBy(id: string, { hint, error }: { hint?: unknown; error?: unknown }): { 'aria-describedby'?: string; 'aria-invalid'?: 'true' } {
  const ids = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return { 'aria-describedby': ids || undefined, 'aria-invalid': error ? 'true' : undefined };
}

export interface FieldProps {
  /** The control's id; the hint and the problem get `<id>-hint` and `<id>-error`. */
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  /** What is wrong with the value, in words; marks the group as in error. */
  error?: string;
  /** The control, with `class="usa-input"` (or usa-select, usa-textarea) and {...describedBy(id, …)}. */
  children: ComponentChildren;
}

/** A labelled form group: label, hint, problem, then the control (USWDS order). */
export function Field({ id, label, hint, error, children }: FieldProps) {
  return (
    <div class={error ? 'usa-form-group usa-form-group--error' : 'usa-form-group'}>
      <label class={error ? 'usa-label usa-label--error' : 'usa-label'} for={id}>
        {label}
      </label>
      {hint ? (
        <div class="usa-hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <span class="usa-error-message" id={`${id}-error`}>
          {error}
        </span>
      ) : null}
      {children}
    </div>
  );
}

export interface TextFieldProps {
  id: string;
  name: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string;
  value?: string;
  type?: 'text' | 'email' | 'password' | 'number' | 'date' | 'datetime-local' | 'search';
  required?: boolean;
  disabled?: boolean;
  autocomplete?: string;
}

/** A text-like input in its form group. */
export function TextField({ id, name, label, hint, error, value, type = 'text', required, disabled, autocomplete }: TextFieldProps) {
  // One object for every type: Preact's typings tell input types apart, which a union of them defeats.
  const attributes = { class: error ? 'usa-input usa-input--error' : 'usa-input', type, id, name, value: value || undefined, required, disabled, autocomplete, ...describedBy(id, { hint, error }) } as InputHTMLAttributes<HTMLInputElement>;
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      <input {...attributes} />
    </Field>
  );
}

/** One problem of a form: its message, linked to the field it is about (`#<control id>`). */
export interface FormProblem {
  id: string;
  message: string;
}

/**
 * The problems of a submitted form at its top, each a link to its field: a USWDS error alert, read out at
 * once. Nothing when there is no problem.
 */
export function ErrorSummary({ problems, heading }: { problems: FormProblem[]; heading: ComponentChildren }) {
  if (!problems.length) return null;
  return (
    <div class="usa-alert usa-alert--error notice bad" role="alert">
      <div class="usa-alert__body">
        <p class="usa-alert__heading text-bold">{heading}</p>
        <ul class="usa-list">
          {problems.map((problem) => (
            <li key={problem.id}>
              <a href={`#${problem.id}`}>{problem.message}</a>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

export interface FilterBarProps {
  /** Where the filter goes (GET). */
  action: string;
  /** The summary a phone shows while the filters are folded, e.g. "Filter events (2 active)". */
  summary: ComponentChildren;
  /** Open on a phone too: when a filter value has a problem to show. */
  open?: boolean;
  /** The usa-form-group fields, then the buttons (in a FilterBarActions). */
  children: ComponentChildren;
  /** The form's accessible name (defaults to the summary's text when that is a string). */
  label?: string;
}

/**
 * A compact filter bar: one row of fields and an Apply button from tablet width up; on a phone folded into
 * a <details> under its summary, so the filters never fill the first screen. No script.
 */
export function FilterBar({ action, summary, open, children, label }: FilterBarProps) {
  return (
    <details class="ims-filter-bar" open={open}>
      <summary>{summary}</summary>
      <form class="ims-filter-bar__fields" method="get" action={action} aria-label={label ?? (typeof summary === 'string' ? summary : undefined)}>
        {children}
      </form>
    </details>
  );
}

/** The filter bar's buttons (Apply, Clear), aligned with the fields' bottom edge. */
export function FilterBarActions({ children }: { children: ComponentChildren }) {
  return <div class="ims-filter-bar__actions">{children}</div>;
}
