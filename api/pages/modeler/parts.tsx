/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren } from 'preact';
import type { Viewer } from '../basics.js';
import { Shell } from '../components/Shell.js';
import { useReader } from '../reader.js';
import { bundleMessages } from './bundle-words.js';
import { listMessages } from './list-words.js';

/**
 * What the modeler's pages share: the shell with the bundle's stylesheet and script, the CSRF token for
 * the bundle's API calls, and the note for browsers without JavaScript. The bundles of modeler/ fill the
 * structure these pages render; they find its parts by id, so the ids here are their contract.
 */

export type Bundle = 'home' | 'modeler' | 'review' | 'versions';

export function ModelerShell({ title, viewer, bundle, children }: { title: string; viewer: Viewer; bundle: Bundle; children: ComponentChildren }) {
  const head = (
    <>
      <meta name="csrf-token" content={viewer.csrf ?? ''} />
      {bundle === 'home' ? null : <link rel="stylesheet" href={`/assets/${bundle}.css`} />}
      <script src={`/assets/${bundle}.js`} defer></script>
    </>
  );
  return (
    <Shell title={title} viewer={viewer} current="processes" head={head}>
      <NoScript />
      {children}
    </Shell>
  );
}

function NoScript() {
  const { t } = useReader();
  return (
    <noscript>
      <p class="notice bad">{t('modelerPages.noScript')}</p>
    </noscript>
  );
}

/**
 * The reader's locale and zone, for a bundle that formats times, and the bundle's words in the reader's
 * language as ICU messages, on the container it fills: the list bundles' (list-words.ts) and the editor's
 * with its problem sentences (bundle-words.ts), one object, ids never shared between them.
 */
export function useReaderData(): { 'data-locale': string; 'data-time-zone': string; 'data-words': string } {
  const reader = useReader();
  return { 'data-locale': reader.locale, 'data-time-zone': reader.timeZone, 'data-words': JSON.stringify({ ...listMessages(reader), ...bundleMessages(reader) }) };
}

/**
 * The deployed processes' names, as their latest versions give them and as the reader reads them, for a
 * bundle that names drafts (`data-process-names`): a draft still carrying its process's shipped name is
 * shown in the reader's language, one whose name was changed as its author wrote it.
 */
export function useProcessNames(processes: { key: string; name: string }[]): string {
  const { translated } = useReader();
  return JSON.stringify(Object.fromEntries(processes.map((p) => [p.key, { name: p.name, shown: translated(`${p.key}.process.name`, p.name) }])));
}

/** A labelled field with an optional hint, in the forms the bundles submit. */
export function HintedField({ id, label, hint, hintId = `${id}-hint`, children }: { id: string; label: string; hint?: string; hintId?: string; children: ComponentChildren }) {
  return (
    <div class="usa-form-group field">
      <label class="usa-label" for={id}>
        {label}
      </label>
      {hint ? (
        <p class="usa-hint hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {children}
    </div>
  );
}
