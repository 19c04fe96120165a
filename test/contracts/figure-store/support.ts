/** What the figure-store contract's files share: the suite handle and records with facts as a commit carries them. */
import type { RecordFacts } from '../../../engine/ports/figure-store.js';
import type { Store } from '../../../engine/ports/store.js';
import { at } from '../support.js';

export interface FigureSuite {
  readonly store: Store;
}

/** A day relative to the contract's clock (2026-11-22 10:00 UTC), as stored ISO text. */
export const day = (n: number) => at(n * 24 * 60);

/** One record's facts, of the figure `widgets` unless said otherwise. */
export function recordFacts(instanceId: string, o: Partial<RecordFacts> = {}): RecordFacts {
  return { instanceId, process: 'widgets', businessKey: `BK-${instanceId}`, site: null, status: 'running', startedAt: day(-10), endedAt: null, facts: [], ...o };
}

/** A fact of the figure `widgets`. */
export function fact(dims: Record<string, string>, values: Record<string, number> = {}, figure = 'widgets') {
  return { figure, dims, values };
}
