import type { Clock } from '../../kernel/clock.js';
import { ConflictError, NotFoundError, RevisionConflict, ValidationError, type FieldError } from '../../kernel/errors.js';
import { auditEvent } from '../../kernel/audit-event.js';
import { KPI_MEASURES, MANAGEMENT_SYSTEMS, type KpiRecord, type KpiValueRecord, type Role, type UserRecord } from '../../kernel/model.js';
import type { Store } from '../../ports/store.js';

/**
 * The KPI register of the management systems (quality, environment, safety): definitions with a target,
 * a direction and an owner, and the values entered per period. Every change is committed with its audit
 * event (who, when, old → new, why); a change to something that exists needs a reason. The figures
 * (trend, status against target, computed values) are read in engine/features/dashboard/.
 */

/** What a KPI says (its audit trail's old → new): the record without the bookkeeping. */
export type KpiDefinition = Omit<KpiRecord, 'createdAt' | 'createdBy' | 'updatedAt' | 'revision'>;

/** A KPI's definition as given: the record without its id and bookkeeping, the unit optional. */
export type KpiInput = Omit<KpiDefinition, 'id' | 'unit'> & {
  unit?: string;
  /** Why: required when changing an existing KPI. */
  reason?: string;
};

export function kpiDefinition(kpi: KpiRecord): KpiDefinition {
  const { createdAt: _c, createdBy: _b, updatedAt: _u, revision: _r, ...definition } = kpi;
  return definition;
}

/** Who may define KPIs and enter any KPI's values (admins too). */
export const KPI_EDITORS: readonly Role[] = ['quality-manager', 'steering-committee'];

/** Who enters a manual KPI's values: its owner, a KPI editor or an admin (the API and the page alike). */
export function mayEnterValues(user: Pick<UserRecord, 'id' | 'roles'>, kpi: Pick<KpiRecord, 'owner'>): boolean {
  return kpi.owner === user.id || user.roles.some((role) => role === 'admin' || (KPI_EDITORS as readonly string[]).includes(role));
}

export interface KpiValueInput {
  /** `YYYY-MM` or `YYYY-Qn`. */
  period: string;
  value: number;
  note?: string;
  /** Why: required when replacing a value entered before. */
  reason?: string;
}

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const PERIOD = /^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/;

export class KpiRegister {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Defines a KPI or changes its definition (compare-and-swap on its revision). */
  async save(id: string, input: KpiInput, actor: string): Promise<KpiRecord> {
    const fields: FieldError[] = [];
    if (!ID.test(id)) fields.push({ field: 'id', message: 'use lower-case letters, digits and "-" (at most 64)' });
    if (!(MANAGEMENT_SYSTEMS as readonly string[]).includes(input.system)) fields.push({ field: 'system', message: `one of ${MANAGEMENT_SYSTEMS.join(', ')}` });
    if (typeof input.name !== 'string' || !input.name.trim()) fields.push({ field: 'name', message: 'is required' });
    if (typeof input.target !== 'number' || !Number.isFinite(input.target)) fields.push({ field: 'target', message: 'must be a number' });
    if (input.direction !== 'up' && input.direction !== 'down') fields.push({ field: 'direction', message: 'up (higher is better) or down (lower is better)' });
    if (input.source === 'computed' && !(KPI_MEASURES as readonly string[]).includes(input.measure ?? '')) fields.push({ field: 'measure', message: `a computed KPI needs one of ${KPI_MEASURES.join(', ')}` });
    if (input.source === 'manual' && input.measure !== undefined) fields.push({ field: 'measure', message: 'only a computed KPI has a measure' });
    if (input.site !== undefined && !/^[\w.-]{1,64}$/.test(input.site)) fields.push({ field: 'site', message: 'a site is a name of 1–64 letters, digits, ".", "_" or "-"' });
    const owner = typeof input.owner === 'string' ? await this.store.getUser(input.owner) : undefined;
    if (!owner || !owner.active) fields.push({ field: 'owner', message: `"${input.owner}" is not a known active user` });
    if (fields.length) throw new ValidationError('invalid KPI', fields);
    const existing = await this.store.getKpi(id);
    const reason = input.reason?.trim();
    if (existing && !reason) throw new ValidationError('a reason is required', [{ field: 'reason', message: `say why KPI ${id} is changed` }]);
    const now = this.clock.now().toISOString();
    const record: KpiRecord = {
      id,
      system: input.system,
      name: input.name.trim(),
      unit: (input.unit ?? '').trim(),
      target: input.target,
      direction: input.direction,
      owner: input.owner,
      source: input.source,
      ...(input.measure && { measure: input.measure }),
      ...(input.site && { site: input.site }),
      createdAt: existing?.createdAt ?? now,
      createdBy: existing?.createdBy ?? actor,
      updatedAt: now,
      revision: (existing?.revision ?? 0) + 1,
    };
    try {
      await this.store.commit({
        kpis: [{ record, expectedRevision: existing?.revision ?? null }],
        audit: [auditEvent(this.clock, { actor: actor, action: existing ? 'kpi.changed' : 'kpi.defined', target: `kpi:${id}`, old: existing && kpiDefinition(existing), new: kpiDefinition(record), reason: reason })],
      });
    } catch (err) {
      if (err instanceof RevisionConflict || err instanceof ConflictError) throw new ConflictError(`KPI ${id} was changed meanwhile: reload and try again`);
      throw err;
    }
    return record;
  }

  /** Enters a manual KPI's value for a period; entering it again replaces it (with a reason). */
  async enterValue(id: string, input: KpiValueInput, actor: string): Promise<KpiValueRecord> {
    const kpi = await this.store.getKpi(id);
    if (!kpi) throw new NotFoundError(`no KPI ${id}`);
    const fields: FieldError[] = [];
    if (kpi.source !== 'manual') fields.push({ field: 'value', message: `KPI ${id} is computed from the records (${kpi.measure}): its values cannot be entered` });
    if (typeof input.period !== 'string' || !PERIOD.test(input.period)) fields.push({ field: 'period', message: 'a month YYYY-MM or a quarter YYYY-Qn' });
    if (typeof input.value !== 'number' || !Number.isFinite(input.value)) fields.push({ field: 'value', message: 'must be a number' });
    if (fields.length) throw new ValidationError('invalid KPI value', fields);
    const valueId = `${id}@${input.period}`;
    const existing = (await this.store.listKpiValues([id])).find((v) => v.id === valueId);
    const reason = input.reason?.trim();
    if (existing && !reason) throw new ValidationError('a reason is required', [{ field: 'reason', message: `a value for ${input.period} was entered before (${existing.value}): say why it is replaced` }]);
    const record: KpiValueRecord = {
      id: valueId,
      kpiId: id,
      period: input.period,
      value: input.value,
      ...(input.note?.trim() && { note: input.note.trim() }),
      enteredBy: actor,
      enteredAt: this.clock.now().toISOString(),
    };
    await this.store.commit({
      kpiValues: [record],
      audit: [
        auditEvent(this.clock, { actor: actor, action: existing ? 'kpi.value-changed' : 'kpi.value-entered', target: `kpi:${id}`, old: existing && { period: existing.period, value: existing.value, note: existing.note }, new: { period: record.period, value: record.value, note: record.note }, reason: reason ?? record.note }),
      ],
    });
    return record;
  }
}
