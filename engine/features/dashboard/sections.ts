import type { FigureStore } from '../../ports/figure-store.js';
import type { DashboardContext } from './context.js';
import type { FigureRead, FigureSection, PackFigure } from './pack-figure.js';

/** The packs' sections of the dashboard: each declared figure summarised over its facts in the request's scope. */

export function readFor(store: FigureStore, context: DashboardContext, figure: PackFigure): FigureRead {
  return { store, context, facts: { figure: figure.id, ...context.scope } };
}

/** Each figure's summary under its section key, and the sections as the page draws them (in the packs' order). */
export async function packSections(store: FigureStore, context: DashboardContext, figures: readonly PackFigure[]): Promise<{ summaries: Record<string, unknown>; sections: FigureSection[] }> {
  const summaries = await Promise.all(figures.map((figure) => figure.summarise(readFor(store, context, figure))));
  return {
    summaries: Object.fromEntries(figures.map((figure, i) => [figure.section, summaries[i]])),
    sections: figures.map((figure, i) => ({ section: figure.section, process: figure.process, ...(figure.pack && { pack: figure.pack }), title: figure.title, view: figure.view(summaries[i]) })),
  };
}
