import { outputOf, text, type ServiceDefinition, type ServiceRegistry } from '../../engine/pack-kit.js';
import { checkRuleSetConfig, decide, siteRuleSets, type IncidentFacts } from './rules.js';

/** The investigation's findings (output.investigate) and the report's kind, as the rule sets read them. */
export function factsOf(variables: Record<string, unknown>, investigation: Record<string, unknown>): IncidentFacts {
  const days = Number(investigation.daysAway ?? 0);
  const outcome = text(investigation.outcome) || 'none';
  return {
    kind: variables.kind === 'incident' ? 'incident' : 'near-miss',
    workRelated: investigation.workRelated === true,
    outcome: outcome as IncidentFacts['outcome'],
    daysAway: Number.isFinite(days) && days > 0 ? days : 0,
    lostConsciousness: investigation.lostConsciousness === true,
    specifiedInjury: investigation.specifiedInjury === true,
    publicToHospital: investigation.publicToHospital === true,
    dangerousOccurrence: investigation.dangerousOccurrence === true,
  };
}

/**
 * `ehs-recordability`: applies the site's rule sets (rules.ts) to the investigation. Returns
 * `{recordable, decisions: [{ruleSet, name, applies, verdict, reasons, reportBy?}], summary}`; `summary` is
 * what the decision task's name adds (": OSHA 300 recordable (medical treatment beyond first aid); RIDDOR not reportable").
 */
export const recordabilityService: ServiceDefinition = {
  description: "Applies the site's recordability rule sets (OSHA 300, RIDDOR) to output.investigate; returns {recordable, decisions, summary}",
  run(context) {
    const facts = factsOf(context.variables, outputOf(context, 'investigate'));
    const occurredOn = text(context.variables.occurredOn) || undefined;
    const decisions = siteRuleSets(context.site).map((ruleSet) => decide(ruleSet, facts, occurredOn));
    const words = decisions.map((d) => `${d.name} ${d.applies ? `${d.verdict} (${d.reasons.join(', ')})${d.reportBy ? `, report by ${d.reportBy}` : ''}` : `not ${d.verdict}`}`);
    return { recordable: decisions.some((d) => d.applies), decisions, summary: words.length ? `: ${words.join('; ')}` : '' };
  },
};

/** `ehs-raise-capa`: starts a CAPA (source incident) linked to the incident, with its title, findings and cause. */
export const raiseCapaService: ServiceDefinition = {
  description: 'Starts a CAPA (source incident) linked to the incident, with its title, description and root cause; returns {raised}',
  run(context) {
    const investigation = outputOf(context, 'investigate');
    const title = `${context.businessKey}: ${text(context.variables.title) || 'incident'}`;
    const description = [text(context.variables.description), text(investigation.rootCause) && `Root cause: ${text(investigation.rootCause)}`].filter(Boolean).join('\n\n');
    context.startLinked({
      processKey: 'capa',
      variables: {
        source: 'incident',
        title: title.slice(0, 200),
        description,
        reference: context.businessKey,
        ...(text(context.variables.occurredOn) && { occurredOn: text(context.variables.occurredOn) }),
      },
      label: `Corrective action for ${context.businessKey}`,
    });
    return { raised: true };
  },
};

export function registerEhsIncidentServices(registry: ServiceRegistry): void {
  // a rule set setting that names an unknown set is refused when the server starts, not at the first incident
  checkRuleSetConfig();
  registry.register('ehs-recordability', recordabilityService);
  registry.register('ehs-raise-capa', raiseCapaService);
}
