/**
 * Focus across the side panel's re-renders (panel.ts replaces its contents after every change). Without
 * this, a keyboard user loses their place whenever the panel is redrawn:
 *
 * - focus on a field (or a "Details" summary, which has no id) stays on the same one, and what is being
 *   typed there and not yet committed (a change commits it) survives a re-render from elsewhere (a save,
 *   the problems' check), caret included;
 * - Chromium fires a field's change as Tab leaves it, focus already gone from it and before its blur: the
 *   change re-renders the panel, and the Tab's move then targets an element that was just replaced, so
 *   focus would fall to the page. It goes on to the field's neighbour in the new panel instead.
 */
export class PanelFocus {
  /** The last Tab in the panel went backwards (Shift+Tab). */
  private backwards = false;
  /** The field focus is leaving as its change fires (until the next frame). */
  private leaving: HTMLElement | undefined;

  constructor(private readonly container: HTMLElement) {
    container.addEventListener('keydown', (event) => {
      if (event.key === 'Tab') this.backwards = event.shiftKey;
    });
    // capture phase: before the field's own listener makes the change and the panel re-renders
    container.addEventListener(
      'change',
      (event) => {
        if (event.target === document.activeElement) return;
        this.leaving = event.target as HTMLElement;
        requestAnimationFrame(() => (this.leaving = undefined));
      },
      true,
    );
  }

  /** Notes where focus is before a re-render; the function returned puts it back afterwards. */
  keep(): () => void {
    const active = document.activeElement as HTMLElement | null;
    const from = active && this.container.contains(active) ? active : this.leaving;
    if (!from) return () => undefined;
    // by id, else (a summary) by its place among the stops
    const fromId = from.id;
    const fromPlace = this.stops().indexOf(from);
    const again = () => {
      const stops = this.stops();
      return { stops, at: fromId ? stops.findIndex((e) => e.id === fromId) : fromPlace };
    };
    return () => {
      if (from === active) {
        const { stops, at } = again();
        const field = stops[at] as HTMLInputElement | undefined;
        const typed = from as HTMLInputElement;
        if (field && 'value' in typed && typed.tagName !== 'SELECT' && typed.value !== typed.defaultValue && field.tagName === typed.tagName) {
          field.value = typed.value;
          // only text-like inputs and textareas have a caret to put back (a number or date input has none)
          if (typed.selectionStart !== null && typeof field.setSelectionRange === 'function') {
            try {
              field.setSelectionRange(typed.selectionStart, typed.selectionEnd);
            } catch {
              // an input type without selection: the value is back, the caret goes to the end
            }
          }
        }
        field?.focus();
        return;
      }
      requestAnimationFrame(() => {
        if (document.activeElement && document.activeElement !== document.body) return;
        const { stops, at } = again();
        (stops[at + (this.backwards ? -1 : 1)] ?? stops[at])?.focus();
      });
    };
  }

  /** The panel's elements Tab stops at, in order (fields in a closed "Details" left out). */
  private stops(): HTMLElement[] {
    return [...this.container.querySelectorAll<HTMLElement>('input, select, textarea, button, summary, a[href], [tabindex="0"]')].filter(
      (e) => !(e as HTMLInputElement).disabled && (e.tagName === 'SUMMARY' ? !e.parentElement?.parentElement?.closest('details:not([open])') : !e.closest('details:not([open])')),
    );
  }
}
