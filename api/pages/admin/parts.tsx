/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ComponentChildren } from 'preact';
import { NotPermittedError, ValidationError } from '../../../engine/kernel/errors.js';
import type { Viewer } from '../basics.js';
import { ErrorSummary } from '../components/Form.js';
import { Shell } from '../components/Shell.js';
import { useReader } from '../reader.js';
import { viewerOf } from '../session.js';

/**
 * What the administration pages share: who may open them (admins), the form parser, a page frame with the
 * way back to /admin, the table every list uses, and a refused form's problems in words.
 */

/** Plain forms: a few short fields. */
export const adminForm = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 40 });

/** The administration pages are for admins (the commands check again). */
export function requireAdmin(req: Request, _res: Response, next: NextFunction): void {
  if (!viewerOf(req).user.roles.includes('admin')) return next(new NotPermittedError('the administration pages are for administrators'));
  next();
}

/** A form value as the list of strings sent under one name (checkboxes). */
export function strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** The fields a command refused, or rethrows anything else. */
export function refusedFields(err: unknown): string[] {
  if (!(err instanceof ValidationError)) throw err;
  return [...new Set(err.fields.map((f) => f.field))];
}

/** An administration page: the Shell in the Administration section, with a link back to the landing page. */
export function AdminShell({ title, viewer, children, back = true }: { title: string; viewer: Viewer; children: ComponentChildren; back?: boolean }) {
  const { t } = useReader();
  return (
    <Shell title={title} viewer={viewer} current="admin">
      {back ? (
        <p>
          <a class="usa-link" href="/admin">
            {t('admin.back')}
          </a>
        </p>
      ) : null}
      {children}
    </Shell>
  );
}

/** The problems of a refused form at its top: `problems` maps a field to its control's id and message. */
export function Problems({ fields, words }: { fields: string[]; words: (field: string) => { id: string; message: string } }) {
  const { t } = useReader();
  return <ErrorSummary heading={t('admin.notSaved')} problems={fields.map(words)} />;
}

export interface Column {
  label: string;
}

/** A list as a table that becomes cards on a phone (usa-table--stacked), in its scroll region. */
export function AdminTable({ caption, columns, rows }: { caption: string; columns: Column[]; rows: ComponentChildren[][] }) {
  return (
    <div class="ims-table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table class="usa-table usa-table--compact usa-table--stacked">
        <caption class="usa-sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((cells, i) => (
            <tr key={i}>
              {cells.map((cell, j) => (
                <td key={j} data-label={columns[j]!.label}>
                  {cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The address of the script that copies a secret shown once (the page reads and works without it). */
export const COPY_SCRIPT_PATH = '/admin/copy.js';

/**
 * Shows a secret once: readable and selectable in a read-only field without JavaScript; with it, the
 * script adds a Copy button that puts it on the clipboard and says so.
 */
export function SecretOnce({ id, label, hint, value }: { id: string; label: string; hint: string; value: string }) {
  const { t } = useReader();
  return (
    <div class="usa-summary-box margin-y-3" role="status">
      <div class="usa-summary-box__body">
        <label class="usa-label margin-top-0" for={id}>
          {label}
        </label>
        <div class="usa-hint" id={`${id}-hint`}>
          {hint}
        </div>
        <input class="usa-input" id={id} readOnly value={value} aria-describedby={`${id}-hint`} spellcheck={false} autocomplete="off" data-copy-label={t('admin.copy')} data-copied={t('admin.copied')} />
        <span class="usa-hint" aria-live="polite" id={`${id}-status`}></span>
      </div>
      <script src={COPY_SCRIPT_PATH} defer></script>
    </div>
  );
}

/** The copy script: plain DOM, no library; the CSP admits it as a file of this origin. */
export const COPY_SCRIPT = `document.querySelectorAll('input[data-copy-label]').forEach(function (field) {
  if (!navigator.clipboard) return;
  var status = document.getElementById(field.id + '-status');
  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'usa-button usa-button--outline margin-top-1';
  button.textContent = field.getAttribute('data-copy-label');
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(field.value).then(function () {
      if (status) status.textContent = field.getAttribute('data-copied');
    }, function () {
      field.select();
    });
  });
  field.insertAdjacentElement('afterend', button);
});
`;
