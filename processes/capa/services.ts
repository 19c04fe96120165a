import { outputOf, type ServiceDefinition, type ServiceRegistry } from '../../engine/pack-kit.js';

/** The services of the CAPA process (processes/capa/capa.bpmn). */

export type RiskLevel = 'low' | 'medium' | 'high';

/** Severity × occurrence on a 5 × 5 matrix: 1–6 low, 8–12 medium, 15–25 high. */
export function riskScore(severity: number, occurrence: number): { score: number; level: RiskLevel } {
  for (const [name, value] of [['severity', severity], ['occurrence', occurrence]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 5) throw new Error(`risk-score: ${name} must be a whole number from 1 to 5 (got ${JSON.stringify(value)})`);
  }
  const score = severity * occurrence;
  return { score, level: score >= 15 ? 'high' : score >= 8 ? 'medium' : 'low' };
}

/** A form value to a number: selects submit strings ("1" … "5"), number fields numbers. */
function rating(value: unknown): number {
  return typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
}

/**
 * `risk-score`: reads `severity` and `occurrence` from the triage task's output (`output.triage`), or
 * from the instance variables when the process was started with them, and returns `{score, level}`.
 * Values outside 1–5 fail the step (an incident), never a silently wrong rating.
 */
export const riskScoreService: ServiceDefinition = {
  description: 'Risk score = severity (1–5) × occurrence (1–5), from output.triage or the variables; returns {score, level: low | medium | high}',
  run(context) {
    const triage = outputOf(context, 'triage');
    const severity = rating(triage.severity ?? context.variables.severity);
    const occurrence = rating(triage.occurrence ?? context.variables.occurrence);
    // a decision to close without a full CAPA needs its reason: the triage comes back saying so
    const unjustified = triage.fullCapa === 'no' && !(typeof triage.justification === 'string' && triage.justification.trim());
    return { ...riskScore(severity, occurrence), note: unjustified ? ' again: closing without a full CAPA needs a justification' : '' };
  },
};

export interface PlannedAction {
  index: number;
  title: string;
  owner: string;
}

/** How many action rows the CAPA action plan form has (action1/action1Owner … action3/action3Owner). */
export const PLAN_ACTION_ROWS = 3;

/**
 * `capa-actions`: turns the action plan form (`output.plan`: `action1` … `action3` with their owners)
 * into the list the implementation task runs over, one parallel task per action:
 * `{actions: [{index, title, owner}], count}`. Empty rows are skipped; an action without an owner, or a
 * plan without any action, fails the step.
 */
export const capaActionsService: ServiceDefinition = {
  description: 'Lists the actions of a CAPA action plan (output.plan.action1…3 and their owners) as {actions: [{index, title, owner}], count}',
  run(context) {
    const plan = outputOf(context, 'plan');
    const actions: PlannedAction[] = [];
    for (let index = 1; index <= PLAN_ACTION_ROWS; index += 1) {
      const title = typeof plan[`action${index}`] === 'string' ? (plan[`action${index}`] as string).trim() : '';
      const owner = typeof plan[`action${index}Owner`] === 'string' ? (plan[`action${index}Owner`] as string).trim() : '';
      if (!title && !owner) continue;
      if (!title) throw new Error(`capa-actions: action ${index} has an owner but no description`);
      if (!owner) throw new Error(`capa-actions: action ${index} ("${title}") has no owner`);
      actions.push({ index, title, owner });
    }
    if (!actions.length) throw new Error('capa-actions: the action plan lists no action');
    return { actions, count: actions.length };
  },
};

/** The process a CAPA starts to revise a controlled document (processes/document-control), by its start variables. */
export const DOCUMENT_CHANGE_PROCESS = 'document-control';

/** A document the plan names to revise, as the `documents-to-revise` field stores it. */
interface DocumentToRevise {
  number: string;
  revision: string;
  title: string;
}

const isDocumentToRevise = (value: unknown): value is DocumentToRevise =>
  typeof value === 'object' && value !== null && ['number', 'revision', 'title'].every((key) => typeof (value as Record<string, unknown>)[key] === 'string');

/**
 * `capa-document-changes`: one linked document change per document the action plan names to revise
 * (`output.plan.documentsToRevise`), a new major revision of that number with this CAPA as its reason. The
 * document change keeps the document's owner, sites, reviewers and roles to train, and its first task asks
 * the owner to draft the revision. The plan's field refused a document with a change under way already.
 */
export const capaDocumentChangesService: ServiceDefinition = {
  description: 'Starts a linked document change (a new revision) for each controlled document the action plan names to revise',
  run(context) {
    const plan = outputOf(context, 'plan');
    const documents = Array.isArray(plan.documentsToRevise) ? plan.documentsToRevise.filter(isDocumentToRevise) : [];
    const title = typeof context.variables.title === 'string' ? context.variables.title.trim() : '';
    const rootCause = outputOf(context, 'rootCause').rootCause;
    const capa = title ? `${context.businessKey} ${title}` : context.businessKey;
    for (const document of documents) {
      context.startLinked({
        processKey: DOCUMENT_CHANGE_PROCESS,
        variables: {
          revises: document.number,
          revisionKind: 'major',
          changeSummary: `Revise ${document.number} ${document.title} (revision ${document.revision}) as the action plan of ${capa} asks`,
          reason: `Corrective action ${capa}${typeof rootCause === 'string' && rootCause.trim() ? `; root cause: ${rootCause.trim()}` : ''}`,
        },
        label: `Revision of ${document.number} ${document.title}, revision ${document.revision}, for ${context.businessKey}`,
      });
    }
    return { started: documents.map((document) => document.number), count: documents.length };
  },
};

export function registerCapaServices(registry: ServiceRegistry): void {
  registry.register('risk-score', riskScoreService);
  registry.register('capa-actions', capaActionsService);
  registry.register('capa-document-changes', capaDocumentChangesService);
}
