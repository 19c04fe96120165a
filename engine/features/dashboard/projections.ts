import { createHash } from 'node:crypto';
import type { InstanceRecord } from '../../kernel/model.js';
import { checkFactNames, type FigureStore, type RecordFacts } from '../../ports/figure-store.js';
import type { BackupStore } from '../../ports/backup-store.js';
import type { CommitStore } from '../../ports/commit-store.js';
import { figureRecord, type PackFigure } from './pack-figure.js';

/**
 * The packs' figure projections at work: every commit that saves a record gets that record's facts
 * (recomputed whole) added by a before-commit hook, so facts and record land together or not at all.
 *
 * Existing databases: the store keeps the version of the projections its facts were built with (a hash
 * of each figure's id and version). At start (`ensureFigureFacts`, called by the assembly) a store whose
 * version differs — a new install, a figure added, removed or given a new version, or records restored
 * from a backup (importing records clears the version) — gets its facts rebuilt from every stored record,
 * then the new version. Two processes starting together may both rebuild: each replaces a record's facts
 * whole, so the result is the same; a record saved meanwhile is saved with fresh facts by its commit.
 */
export class FigureProjections {
  readonly figures: readonly PackFigure[];
  private readonly byProcess = new Map<string, PackFigure[]>();
  readonly version: string;

  constructor(figures: readonly PackFigure[]) {
    const ids = new Set<string>();
    for (const figure of figures) {
      if (ids.has(figure.id)) throw new Error(`two packs declare the figure ${figure.id}`);
      ids.add(figure.id);
      for (const process of new Set([figure.process, ...(figure.alsoProcesses ?? [])])) this.byProcess.set(process, [...(this.byProcess.get(process) ?? []), figure]);
    }
    this.figures = figures;
    this.version = createHash('sha256')
      .update(JSON.stringify(figures.map((f) => `${f.id}@${f.version}`).sort()))
      .digest('hex')
      .slice(0, 16);
  }

  /** The facts of one record, or undefined when no figure projects its process. */
  factsOf(record: InstanceRecord): RecordFacts | undefined {
    const figures = this.byProcess.get(record.key);
    if (!figures) return undefined;
    const view = figureRecord(record);
    const facts = figures.flatMap((figure) =>
      figure.facts(view).map((fact) => {
        const dims = fact.dims ?? {};
        const values = fact.values ?? {};
        checkFactNames([...Object.keys(dims), ...Object.keys(values)]);
        return { figure: figure.id, dims, values };
      }),
    );
    return { instanceId: record.id, process: record.key, businessKey: record.businessKey, site: view.site, status: record.status, startedAt: record.startedAt, endedAt: view.endedAt, facts };
  }

  /** Registers the hook that adds the saved records' facts to each commit; returns what unregisters it. */
  attach(store: Pick<CommitStore, 'beforeCommit'>): () => void {
    return store.beforeCommit((change) => {
      const records = [...(change.instance ? [change.instance.record] : []), ...(change.linkedInstances ?? [])];
      const facts = records.map((r) => this.factsOf(r)).filter((f): f is RecordFacts => f !== undefined);
      if (facts.length) change.figureFacts = [...(change.figureFacts ?? []), ...facts];
    });
  }

  /** Rebuilds the stored facts when they were built with other projections (see above); true when it did. */
  async ensureFigureFacts(store: FigureStore & Pick<BackupStore, 'exportRecords'>, batchSize = 500): Promise<boolean> {
    if ((await store.figureVersion()) === this.version) return false;
    let clear = true;
    for await (const batch of store.exportRecords('instances', batchSize)) {
      const facts = (batch as InstanceRecord[]).map((r) => this.factsOf(r)).filter((f): f is RecordFacts => f !== undefined);
      await store.rebuildFacts(facts, { clear });
      clear = false;
    }
    await store.rebuildFacts([], { clear, version: this.version });
    return true;
  }
}
