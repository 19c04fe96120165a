import { CAUSE_CATEGORIES, outputOf, text, type CauseCategory, type CompletionCheck, type EventClassification, type InstanceRecord, type ServiceDefinition, type ServiceRegistry } from '../../engine/pack-kit.js';

/** The services and rules of the deviation process (processes/deviation/deviation.bpmn). */

export const CLASSES = ['minor', 'major', 'critical'] as const;
export type DeviationClass = (typeof CLASSES)[number];

/**
 * How long each step may take, by class (ISO 8601 durations from the step's start): a critical deviation is
 * investigated within 5 days and dispositioned within 2, a minor one within 30 and 10. Extensions of these
 * due dates go through the engine's built-in extension rule like any task's.
 */
export const DUE_BY_CLASS: Readonly<Record<DeviationClass, { investigation: string; disposition: string }>> = {
  minor: { investigation: 'P30D', disposition: 'P10D' },
  major: { investigation: 'P15D', disposition: 'P5D' },
  critical: { investigation: 'P5D', disposition: 'P2D' },
};

const isClass = (value: unknown): value is DeviationClass => typeof value === 'string' && (CLASSES as readonly string[]).includes(value);

/** `deviation-due-dates`: the due dates of the investigation and the disposition, from the class QA gave. */
export const dueDatesService: ServiceDefinition = {
  description: 'The due dates (durations) of the investigation and the disposition by the QA classification: {investigation, disposition, classification}',
  run(context) {
    const classification = outputOf(context, 'classify').classification;
    if (!isClass(classification)) throw new Error(`deviation-due-dates: the classification must be one of ${CLASSES.join(', ')} (got ${JSON.stringify(classification)})`);
    return { classification, ...DUE_BY_CLASS[classification] };
  },
};

/** `deviation-capa`: the linked CAPA the investigation asked for, straight to triage with the deviation's story. */
export const raiseCapaService: ServiceDefinition = {
  description: 'Starts the linked CAPA of a deviation whose investigation asked for one',
  run(context) {
    const investigation = outputOf(context, 'investigate');
    const classification = text(outputOf(context, 'classify').classification);
    const title = text(context.variables.title);
    const lots = text(context.variables.lots);
    const occurredOn = text(context.variables.occurredOn);
    context.startLinked({
      processKey: 'capa',
      variables: {
        source: 'deviation',
        title: `${context.businessKey} ${title}`.slice(0, 200),
        description: [text(context.variables.description), `Classified ${classification}.`, `Root cause: ${text(investigation.rootCause)}`].filter(Boolean).join('\n\n'),
        reference: [context.businessKey, lots].filter(Boolean).join(', '),
        ...(occurredOn && { occurredOn }),
      },
      label: `CAPA for deviation ${context.businessKey} ${title}`,
    });
    return { raised: true };
  },
};

/**
 * A major or critical deviation raises a CAPA unless the investigation says why none is needed: the
 * investigation is refused (400 naming capaJustification) otherwise, so no such deviation reaches its
 * disposition, and closes, without either.
 */
export const capaRuleCheck: CompletionCheck = {
  description: 'A major or critical deviation needs a CAPA or a justification of why none is needed',
  check({ elementId, data, output }) {
    if (elementId !== 'investigate' || data.capa !== 'not-needed' || text(data.capaJustification)) return [];
    const classification = (output.classify as Record<string, unknown> | undefined)?.classification;
    if (classification !== 'major' && classification !== 'critical') return [];
    return [{ field: 'capaJustification', message: `a ${classification} deviation needs a CAPA, or a justification of why none is needed` }];
  },
};

export function registerDeviationServices(registry: ServiceRegistry): void {
  registry.register('deviation-due-dates', dueDatesService);
  registry.register('deviation-capa', raiseCapaService);
  registry.registerCompletionCheck('deviation', capaRuleCheck);
}

const isCause = (value: unknown): value is CauseCategory => typeof value === 'string' && (CAUSE_CATEGORIES as readonly string[]).includes(value);

/**
 * A deviation's classification for recurrence and trends (engine/features/events): once investigated, its
 * product, first lot, site, cause category and when it occurred; undefined before the investigation.
 */
export function classifyDeviation(record: Pick<InstanceRecord, 'site' | 'variables' | 'output' | 'startedAt'>): EventClassification | undefined {
  const investigation = record.output.investigate as Record<string, unknown> | undefined;
  if (!investigation || !isCause(investigation.causeCategory)) return undefined;
  const product = text(record.variables.product);
  const lot = text(record.variables.lots).split(',')[0]?.trim() ?? '';
  const occurredOn = text(record.variables.occurredOn);
  return {
    source: 'deviation',
    ...(record.site && { site: record.site }),
    ...(product && { product }),
    ...(lot && { lot }),
    causeCategory: investigation.causeCategory,
    occurredAt: occurredOn || record.startedAt,
  };
}
