/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren } from 'preact';

/**
 * Links whose address may come from data. Escaping keeps a value inside its attribute but does not stop
 * `javascript:` (or `data:`, `vbscript:`) in an href, so such addresses go through safeHref: a path on this
 * server (`/tasks?x=1`, `#part`, `?page=2`) or an absolute http(s) or mailto address. Anything else, and
 * any address with white space, control characters or a backslash (which browsers strip or reinterpret,
 * as in `java\tscript:`), is refused.
 */
export function safeHref(value: string): string | undefined {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || code === 0x5c) return undefined;
  }
  if (value.startsWith('#') || value.startsWith('?')) return value;
  if (value.startsWith('/')) return value.startsWith('//') ? undefined : value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? value : undefined;
}

/** A link to an address that may come from data: with a refused address it is plain text, not a link. */
export function SafeLink({ href, children }: { href: string; children: ComponentChildren }) {
  const safe = safeHref(href);
  return safe === undefined ? <span>{children}</span> : <a href={safe}>{children}</a>;
}
