import { outputOf, text, type ServiceContext, type ServiceRegistry } from '../../engine/pack-kit.js';
import { dueReports, ruleSetProblem, SHIPPED_RULES, type DueReport, type ReportRule } from './reportability.js';

export const COMPLAINT_PROCESS = 'complaint';

/** `complaint-reportability`: the reports the QA assessment's answers call for, by the rule set, with their clocks. */
function reportability(rules: readonly ReportRule[]) {
  return (context: ServiceContext): Record<string, unknown> => {
    const reports = dueReports(rules, outputOf(context, 'assess'), text(context.variables.awarenessDate));
    return { reportable: reports.length > 0, reports, count: reports.length, summary: reports.map((r) => r.label).join('; ') || 'No report to an authority' };
  };
}

/**
 * `complaint-next-report`: the next report to file, earliest deadline first; the one before it (if any)
 * is recorded as filed with the authority's reference. The loop ends when none is left.
 */
function nextReport(context: ServiceContext): Record<string, unknown> {
  const reports = (outputOf(context, 'reportability').reports ?? []) as DueReport[];
  const before = outputOf(context, 'nextReport');
  const filed = Array.isArray(before.filed) ? [...(before.filed as unknown[])] : [];
  const index = typeof before.index === 'number' ? before.index + 1 : 0;
  if (index > 0) {
    const done = outputOf(context, 'fileReport');
    filed.push({ rule: before.rule, label: before.label, reference: done.reference, filedOn: done.filedOn, inTime: text(done.filedOn) <= text(before.deadline).slice(0, 10) });
  }
  const next = reports[index];
  return next ? { pending: true, index, ...next, filed } : { pending: false, index, filed };
}

/**
 * `complaint-raise-capa`: when the investigation asked for a CAPA, one starts, linked, at triage with the
 * complaint as its source. (A service rather than a gateway: the branch joins the reports' branch later,
 * and the engine's join would not wait behind a merge.)
 */
function raiseCapa(context: ServiceContext): Record<string, unknown> {
  const v = context.variables;
  const found = outputOf(context, 'investigate');
  if (found.capaNeeded !== true) return { raised: false };
  const title = `Complaint ${context.businessKey}: ${text(v.title)}`;
  context.startLinked({
    processKey: 'capa',
    variables: {
      source: 'complaint',
      title,
      description: `${text(v.description)}\n\nRoot cause found: ${text(found.rootCause)}`,
      reference: [context.businessKey, text(v.product), text(v.lot)].filter(Boolean).join(' / '),
      ...(text(v.awarenessDate) && { occurredOn: text(v.awarenessDate) }),
    },
    label: `CAPA from complaint ${context.businessKey}`,
  });
  return { raised: true, title };
}

/** The complaint's services, deciding reportability by `rules` (the shipped FDA and EU MDR set unless a site hands its own). */
export function registerComplaintServices(registry: ServiceRegistry, rules: readonly ReportRule[] = SHIPPED_RULES): void {
  const problem = ruleSetProblem(rules);
  if (problem) throw new Error(`complaint reportability rules: ${problem}`);
  registry
    .register('complaint-reportability', { description: 'The reports to authorities the QA assessment calls for (rule set: FDA MDR, EU MDR vigilance), each with its deadline and escalation from the awareness date', run: reportability(rules) })
    .register('complaint-next-report', { description: 'The next report to file, earliest deadline first; records the one filed before it', run: nextReport })
    .register('complaint-raise-capa', { description: 'Starts a CAPA linked to the complaint, at triage, when the investigation asked for one', run: raiseCapa })
    .registerStartCheck(COMPLAINT_PROCESS, {
      description: 'The awareness date is not in the future',
      check: ({ variables, now }) => (text(variables.awarenessDate) > now.toISOString().slice(0, 10) ? [{ field: 'awarenessDate', message: 'cannot be in the future' }] : []),
    });
}
