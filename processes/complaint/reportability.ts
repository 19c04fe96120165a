import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { addDuration, durationProblem } from '../../engine/pack-kit.js';

/**
 * Which reports to the authorities a complaint needs, and by when: a rule set of plain data, so a site
 * changes the rules (another authority, other days) without touching the process. The shipped set is
 * FDA medical device reporting (21 CFR 803) and EU MDR vigilance (Article 87); each rule reads the
 * answers of the QA assessment task (`output.assess`).
 *
 * Environment:
 * - `IMSFLOW_COMPLAINT_RULES`: a JSON file holding an array of rules (the shape of ReportRule) that
 *   replaces the shipped set; a file that cannot be read or a rule set that is not sound stops the start.
 */

/** The answers a rule tests: each listed answer must be one of the given values. */
export type RuleCondition = Record<string, readonly (string | boolean)[]>;

export interface ReportRule {
  id: string;
  /** What people read: the report and its legal basis. */
  label: string;
  authority: string;
  /** Calendar days from the awareness date to the deadline. */
  days: number;
  /** How long before the deadline the escalation fires (ISO 8601 duration). */
  escalateBefore: string;
  /** Must all hold (the market): when absent, none. */
  requires?: RuleCondition;
  /** At least one must hold (what happened). */
  when: RuleCondition[];
  /** Rules this one replaces when both apply (a 5-day report is filed instead of the 30-day one). */
  supersedes?: string[];
}

export const SHIPPED_RULES: readonly ReportRule[] = [
  {
    id: 'fda-mdr-5-day',
    label: 'FDA MDR 5-day report (21 CFR 803.53)',
    authority: 'FDA',
    days: 5,
    escalateBefore: 'P2D',
    requires: { soldInUs: [true] },
    when: [{ publicHealthThreat: [true] }],
    supersedes: ['fda-mdr-30-day'],
  },
  {
    id: 'fda-mdr-30-day',
    label: 'FDA MDR 30-day report (21 CFR 803.50)',
    authority: 'FDA',
    days: 30,
    escalateBefore: 'P7D',
    requires: { soldInUs: [true] },
    when: [{ harm: ['death', 'serious-injury'] }, { malfunction: [true] }],
  },
  {
    id: 'eu-mdr-2-day',
    label: 'EU MDR vigilance report within 2 days: serious public health threat (Art. 87(4))',
    authority: 'EU competent authority',
    days: 2,
    escalateBefore: 'PT24H',
    requires: { soldInEu: [true] },
    when: [{ publicHealthThreat: [true] }],
    supersedes: ['eu-mdr-10-day', 'eu-mdr-15-day'],
  },
  {
    id: 'eu-mdr-10-day',
    label: 'EU MDR vigilance report within 10 days: death or serious deterioration in health (Art. 87(5))',
    authority: 'EU competent authority',
    days: 10,
    escalateBefore: 'P3D',
    requires: { soldInEu: [true] },
    when: [{ harm: ['death'] }],
    supersedes: ['eu-mdr-15-day'],
  },
  {
    id: 'eu-mdr-15-day',
    label: 'EU MDR vigilance report within 15 days: serious incident (Art. 87(3))',
    authority: 'EU competent authority',
    days: 15,
    escalateBefore: 'P5D',
    requires: { soldInEu: [true] },
    when: [{ harm: ['serious-injury'] }, { malfunction: [true] }],
  },
];

/** A report due, with its clock from the awareness date. */
export interface DueReport {
  rule: string;
  label: string;
  authority: string;
  /** ISO instants: the end of the deadline's day (UTC) and when the escalation fires. */
  deadline: string;
  escalateAt: string;
}

/** Why a rule set cannot be used, or undefined: checked when the pack's services are registered. */
export function ruleSetProblem(rules: readonly ReportRule[]): string | undefined {
  const ids = new Set<string>();
  for (const rule of rules) {
    if (!rule.id || ids.has(rule.id)) return `rule ids must be present and unique (${rule.id || 'empty'})`;
    ids.add(rule.id);
    if (!Number.isInteger(rule.days) || rule.days < 1) return `rule ${rule.id}: days must be a whole number of at least 1`;
    const problem = durationProblem(rule.escalateBefore);
    if (problem) return `rule ${rule.id}: escalateBefore ${problem}`;
    if (!rule.when.length) return `rule ${rule.id}: needs at least one "when" condition`;
  }
  for (const rule of rules) for (const other of rule.supersedes ?? []) if (!ids.has(other)) return `rule ${rule.id} supersedes unknown rule ${other}`;
  return undefined;
}

const condition = z.record(z.string(), z.array(z.union([z.string(), z.boolean()])).min(1));
const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and "-"'),
    label: z.string().trim().min(1).max(300),
    authority: z.string().trim().min(1).max(200),
    days: z.number().int().min(1).max(365),
    escalateBefore: z.string().min(2),
    requires: condition.optional(),
    when: z.array(condition).min(1),
    supersedes: z.array(z.string()).optional(),
  })
  .strict();

/** The rule set in use: the file `IMSFLOW_COMPLAINT_RULES` names, else the shipped one; refused with the reason when unsound. */
export function reportRules(env: Readonly<Record<string, string | undefined>> = process.env): readonly ReportRule[] {
  const path = env.IMSFLOW_COMPLAINT_RULES?.trim();
  if (!path) return SHIPPED_RULES;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`IMSFLOW_COMPLAINT_RULES ${path}: cannot read it as JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = z.array(ruleSchema).min(1).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`IMSFLOW_COMPLAINT_RULES ${path}: ${issue.path.join('.') || 'the file'} ${issue.message}`);
  }
  const problem = ruleSetProblem(parsed.data);
  if (problem) throw new Error(`IMSFLOW_COMPLAINT_RULES ${path}: ${problem}`);
  return parsed.data;
}

const holds = (condition: RuleCondition, answers: Readonly<Record<string, unknown>>): boolean =>
  Object.entries(condition).every(([field, values]) => values.includes((answers[field] ?? (values.some((v) => typeof v === 'boolean') ? false : '')) as string | boolean));

/**
 * The reports the answers call for, earliest deadline first: the rules that apply, less those another
 * applying rule supersedes. Deadlines count calendar days from the awareness date (a YYYY-MM-DD date).
 */
export function dueReports(rules: readonly ReportRule[], answers: Readonly<Record<string, unknown>>, awarenessDate: string): DueReport[] {
  const applying = rules.filter((rule) => holds(rule.requires ?? {}, answers) && rule.when.some((condition) => holds(condition, answers)));
  const superseded = new Set(applying.flatMap((rule) => rule.supersedes ?? []));
  const aware = new Date(`${awarenessDate}T23:59:59.999Z`);
  if (Number.isNaN(aware.getTime())) throw new Error(`complaint: awareness date ${awarenessDate} is not a date`);
  return applying
    .filter((rule) => !superseded.has(rule.id))
    .map((rule) => {
      const deadline = new Date(aware.getTime() + rule.days * 86_400_000);
      const escalateAt = new Date(deadline.getTime() - (addDuration(rule.escalateBefore, deadline).getTime() - deadline.getTime()));
      return { rule: rule.id, label: rule.label, authority: rule.authority, deadline: deadline.toISOString(), escalateAt: escalateAt.toISOString() };
    })
    .sort((a, b) => a.deadline.localeCompare(b.deadline) || a.rule.localeCompare(b.rule));
}
