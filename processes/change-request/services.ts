import { outputOf, type ServiceContext, type ServiceDefinition, type ServiceRegistry } from '../../engine/pack-kit.js';

/** The services of the change request process (processes/change-request/change-request.bpmn). */

/**
 * The functions that assess a change's impact, and the role each one's task goes to when the screening
 * names no assessor. The directory has no regulatory, EHS or validation role of its own (engine ROLES):
 * regulatory affairs works with quality, so both go to the quality managers; EHS and IT or validation are
 * process owners of their processes (the EHS manager, the system owner), so they go to the process owners.
 * A named assessor gets the task to themselves, whatever their role.
 */
export const ASSESSING_FUNCTIONS = [
  { key: 'quality', name: 'Quality', role: 'quality-manager', always: true },
  { key: 'regulatory', name: 'Regulatory', role: 'quality-manager', always: false },
  { key: 'ehs', name: 'EHS', role: 'process-owner', always: false },
  { key: 'validation', name: 'IT and validation', role: 'process-owner', always: false },
] as const;

export interface Assessment {
  function: string;
  name: string;
  role: string;
  assessor?: string;
}

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/**
 * `change-assessments`: the functions the screening chose (`output.screen`: quality always; `regulatory`,
 * `ehs`, `validation` when ticked, each with an optional `<function>Assessor`) as the list the impact
 * assessment runs over, one parallel task per function: `{functions: [{function, name, role, assessor?}], count}`.
 */
export const changeAssessmentsService: ServiceDefinition = {
  description: 'Lists the functions that assess a change (quality always; regulatory, EHS, IT and validation as screened) with their role or named assessor',
  run(context) {
    const screen = outputOf(context, 'screen');
    const functions: Assessment[] = ASSESSING_FUNCTIONS.filter((f) => f.always || screen[f.key] === true).map((f) => {
      const assessor = text(screen[`${f.key}Assessor`]);
      return { function: f.key, name: f.name, role: f.role, ...(assessor && { assessor }) };
    });
    return { functions, count: functions.length };
  },
};

export interface PlannedAction {
  index: number;
  title: string;
  owner: string;
}

const PLAN_ACTION_ROWS = 3;

/**
 * `change-actions`: the implementation plan's actions (`output.plan`: `action1` … `action3` with their
 * owners) as `{actions: [{index, title, owner}], count}`, one parallel task each. The form's requiredWhen
 * rules pair each action with its owner; a row with one and not the other fails the step all the same.
 */
export const changeActionsService: ServiceDefinition = {
  description: 'Lists the actions of a change implementation plan (output.plan.action1…3 and their owners) as {actions: [{index, title, owner}], count}',
  run(context) {
    const plan = outputOf(context, 'plan');
    const actions: PlannedAction[] = [];
    for (let index = 1; index <= PLAN_ACTION_ROWS; index += 1) {
      const title = text(plan[`action${index}`]);
      const owner = text(plan[`action${index}Owner`]);
      if (!title && !owner) continue;
      if (!title || !owner) throw new Error(`change-actions: action ${index} needs both a description and an owner`);
      actions.push({ index, title, owner });
    }
    if (!actions.length) throw new Error('change-actions: the plan lists no action');
    return { actions, count: actions.length };
  },
};

/** The process that revises a controlled document (processes/document-control), started by its variables. */
const DOCUMENT_CHANGE_PROCESS = 'document-control';

interface DocumentToRevise {
  number: string;
  revision: string;
  title: string;
}

const isDocumentToRevise = (value: unknown): value is DocumentToRevise =>
  typeof value === 'object' && value !== null && ['number', 'revision', 'title'].every((key) => typeof (value as Record<string, unknown>)[key] === 'string');

function changeInWords(context: ServiceContext): string {
  const title = text(context.variables.title);
  return title ? `${context.businessKey} ${title}` : context.businessKey;
}

/**
 * `change-document-changes`: one linked document change per document the plan names to revise
 * (`output.plan.documentsToRevise`, which refused a document with a change under way already): a new major
 * revision of that number with this change request as its reason, drafted by the document's owner.
 */
export const changeDocumentChangesService: ServiceDefinition = {
  description: 'Starts a linked document change (a new revision) for each controlled document a change request plans to revise',
  run(context) {
    const plan = outputOf(context, 'plan');
    const documents = Array.isArray(plan.documentsToRevise) ? plan.documentsToRevise.filter(isDocumentToRevise) : [];
    const change = changeInWords(context);
    const why = text(context.variables.reason);
    for (const document of documents) {
      context.startLinked({
        processKey: DOCUMENT_CHANGE_PROCESS,
        variables: {
          revises: document.number,
          revisionKind: 'major',
          changeSummary: `Revise ${document.number} ${document.title} (revision ${document.revision}) as change request ${change} plans`,
          reason: `Change request ${change}${why ? `: ${why}` : ''}`,
        },
        label: `Revision of ${document.number} ${document.title}, revision ${document.revision}, for ${context.businessKey}`,
      });
    }
    return { started: documents.map((document) => document.number), count: documents.length };
  },
};

export function registerChangeRequestServices(registry: ServiceRegistry): void {
  registry.register('change-assessments', changeAssessmentsService);
  registry.register('change-actions', changeActionsService);
  registry.register('change-document-changes', changeDocumentChangesService);
}
