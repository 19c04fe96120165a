import type { Clock } from '../kernel/clock.js';
import { drillValue, EVENT_TRENDS_FIGURE, type eventList, type EventTrendsSection, type TrendDrill } from '../features/events/index.js';
import { computeDashboard, drillDown, MAX_RECORDS, type Dashboard, type DashboardContext, type Drilldown, type PackFigure, type RecordList } from '../features/dashboard/index.js';
import { resolveLink, type TaskLinkSigner } from '../features/task-links/index.js';
import { RecordRegister, type RegisterFilters, type RegisterResult, type RegisterView } from '../features/register/index.js';
import { waitingOn, type InboxItem, type InboxOptions } from '../features/inbox/index.js';
import type { SignatureRecord } from '../features/signatures/index.js';
import type { AuditQuery, InstanceQuery } from '../ports/record-store.js';
import type { Store } from '../ports/store.js';
import type { StoreCounts } from '../ports/store-operations.js';
import type { ApiTokenRecord, AuditEvent, DefinitionRecord, InstanceRecord, KpiRecord, KpiValueRecord, MessageRecord, ScheduleRecord, TaskRecord, UserRecord } from '../kernel/model.js';
import type { SiteRecord } from '../kernel/site.js';
import type { RecordReader } from '../kernel/services.js';
import { recordReader } from '../features/instances/index.js';
import { visibleSites } from '../features/access/index.js';

/**
 * The named reads api/ makes: api/ never touches a store, it asks these (and the commands on ProcessEngine).
 * `find…` answers undefined for an unknown id (the caller decides between 404 and "not visible");
 * the ProcessEngine getters that throw NotFoundError stay where they are.
 */
export class Queries {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** The packs' figures: their dashboard sections, drill-down lists and KPI measures. */
    readonly figures: readonly PackFigure[] = [],
  ) {}

  // ---- directory -------------------------------------------------------------------------------------

  /** People in the directory, optionally of one role and/or only the active ones. */
  people(filter: { role?: string; active?: boolean } = {}): Promise<UserRecord[]> {
    return this.store.listUsers(filter);
  }

  findPerson(id: string): Promise<UserRecord | undefined> {
    return this.store.getUser(id);
  }

  /** Whether any active administrator exists (the first-run setup is open until one does). */
  async hasActiveAdmin(): Promise<boolean> {
    return (await this.store.listUsers({ role: 'admin', active: true })).length > 0;
  }

  /** A person's API tokens, hashes included (the caller strips them before showing). */
  apiTokensOf(userId: string): Promise<ApiTokenRecord[]> {
    return this.store.listApiTokens(userId);
  }

  // ---- records and tasks -----------------------------------------------------------------------------

  /** The records register: a page of the records the viewer may see that match (engine/features/register/). */
  register(viewer: Pick<UserRecord, 'id' | 'roles' | 'sites'>, filters: RegisterFilters, oversees: boolean): Promise<RegisterResult> {
    return new RecordRegister(this.store, this.clock).search(viewer, filters, oversees);
  }

  /** The register views a person saved. */
  registerViews(userId: string): Promise<RegisterView[]> {
    return new RecordRegister(this.store, this.clock).views(userId);
  }

  findInstance(id: string): Promise<InstanceRecord | undefined> {
    return this.store.getInstance(id);
  }

  instances(query: InstanceQuery): Promise<InstanceRecord[]> {
    return this.store.listInstances(query);
  }

  /**
   * What a person may read of the records through a pack's routes and pages: instances (without engine
   * state) and tasks of their sites and of no site, and people of the directory by id.
   */
  /** The records of every site, for a pack's route or page whose records apply beyond their own site (PackContext.everySite). */
  everyRecord(): RecordReader {
    return recordReader(this.store);
  }

  recordsFor(viewer: Pick<UserRecord, 'roles' | 'sites'>): RecordReader {
    return recordReader(this.store, visibleSites(viewer));
  }

  /** What waits on a person: tasks, changes to sign or publish, extension requests to decide (features/inbox). */
  inbox(user: UserRecord, options: InboxOptions = {}): Promise<InboxItem[]> {
    return waitingOn({ store: this.store, clock: this.clock }, user, options);
  }

  findTask(id: string): Promise<TaskRecord | undefined> {
    return this.store.getTask(id);
  }

  /** A process definition (the latest version when none is given). */
  findDefinition(key: string, version?: number): Promise<DefinitionRecord | undefined> {
    return this.store.getDefinition(key, version);
  }

  signaturesOfTask(taskId: string): Promise<SignatureRecord[]> {
    return this.store.listSignatures({ taskId });
  }

  auditTrail(query: AuditQuery): Promise<AuditEvent[]> {
    return this.store.listAudit(query);
  }

  /** The site register, every site (inactive ones too), by key. */
  sites(): Promise<SiteRecord[]> {
    return this.store.listSites();
  }

  // ---- schedules, outbox, links ----------------------------------------------------------------------

  schedules(): Promise<ScheduleRecord[]> {
    return this.store.listSchedules();
  }

  findSchedule(id: string): Promise<ScheduleRecord | undefined> {
    return this.store.getSchedule(id);
  }

  outbox(query: { status?: MessageRecord['status']; taskId?: string; limit?: number }): Promise<MessageRecord[]> {
    return this.store.listMessages(query);
  }

  /** Opens an emailed task link now (engine/features/task-links/task-links.ts: every refusal with its reason). */
  openLink(signer: TaskLinkSigner, token: string): ReturnType<typeof resolveLink> {
    return resolveLink(signer, this.store, this.clock.now(), token);
  }

  // ---- dashboard, KPIs, monitoring -------------------------------------------------------------------

  dashboard(context: DashboardContext): Promise<Dashboard> {
    return computeDashboard(this.store, context, this.figures);
  }

  /**
   * The events' trends across sources for the dashboard's period and sites (engine/features/events), and
   * with a drill (a Pareto bar, a week, a source) the events behind it; undefined when no pack has events.
   */
  async eventTrends(context: DashboardContext, drill: TrendDrill = {}, limit = MAX_RECORDS): Promise<(EventTrendsSection & { records?: ReturnType<typeof eventList>['items'] }) | undefined> {
    const figure = this.figures.find((f) => f.id === EVENT_TRENDS_FIGURE);
    if (!figure) return undefined;
    const read = { store: this.store, context, facts: { figure: figure.id, ...context.scope } };
    const trends = (await figure.summarise(read)) as EventTrendsSection;
    if (!Object.values(drill).some((v) => v !== undefined)) return trends;
    const list = await figure.drills!.eventRecords(read, { value: drillValue(drill) }, limit);
    return { ...trends, records: list.items as ReturnType<typeof eventList>['items'] };
  }

  /** The records behind one dashboard figure. */
  drillDown(context: DashboardContext, drill: Drilldown, limit?: number): Promise<RecordList> {
    return drillDown(this.store, context, drill, limit, this.figures);
  }

  kpis(): Promise<KpiRecord[]> {
    return this.store.listKpis();
  }

  findKpi(id: string): Promise<KpiRecord | undefined> {
    return this.store.getKpi(id);
  }

  kpiValues(kpiIds: string[]): Promise<KpiValueRecord[]> {
    return this.store.listKpiValues(kpiIds);
  }

  /** The monitoring counts (`/metrics`) as of now. */
  counts(): Promise<StoreCounts> {
    return this.store.counts(this.clock.now().toISOString());
  }
}
