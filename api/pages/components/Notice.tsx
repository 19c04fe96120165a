/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren } from 'preact';

/** A short message in a box: `status` for confirmations, `alert` for problems (read out at once). */
export function Notice({ kind, children }: { kind: 'status' | 'alert'; children: ComponentChildren }) {
  return (
    <div class={`notice ${kind === 'alert' ? 'bad' : 'good'}`} role={kind}>
      {children}
    </div>
  );
}
