/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren } from 'preact';

/**
 * A short message in a box, a USWDS slim alert: `status` for confirmations (green, read out politely),
 * `alert` for problems (red, read out at once). `warning` and `info` are the same box in yellow and blue
 * for a status that is neither. The old names `notice good|bad` stay on it for the old pages' tests.
 */
export function Notice({ kind, tone, children }: { kind: 'status' | 'alert'; tone?: 'warning' | 'info'; children: ComponentChildren }) {
  const look = tone ? `usa-alert--${tone} notice` : kind === 'alert' ? 'usa-alert--error notice bad' : 'usa-alert--success notice good';
  return (
    <div class={`usa-alert usa-alert--slim ${look}`} role={kind}>
      <div class="usa-alert__body">{children}</div>
    </div>
  );
}
