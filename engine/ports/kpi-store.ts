/**
 * The KPI port: key performance indicators and their entered values. Invariant: a KPI changes by
 * compare-and-swap on its revision (through commit), and a period has one value, the last entered.
 * test/contracts/kpi-store/ pins it.
 */
import type { KpiRecord, KpiValueRecord } from '../kernel/model.js';

export interface KpiStore {
  getKpi(id: string): Promise<KpiRecord | undefined>;
  /** By system, then id. */
  listKpis(): Promise<KpiRecord[]>;
  /** Values of these KPIs, by KPI then period. */
  listKpiValues(kpiIds: string[]): Promise<KpiValueRecord[]>;
}
