/**
 * Recordability and reportability rules as data: each rule set (the US OSHA 300 log, the UK RIDDOR report)
 * lists its criteria; a site applies the rule sets its country requires (config below). A rule set is
 * added here, not in the BPMN: the process asks the facts, the rules decide.
 */

/** What the investigation found (output.investigate), as the rules read it. */
export interface IncidentFacts {
  kind: 'incident' | 'near-miss';
  workRelated: boolean;
  outcome: 'none' | 'first-aid' | 'medical-treatment' | 'restricted-work' | 'days-away' | 'fatality';
  daysAway: number;
  lostConsciousness: boolean;
  specifiedInjury: boolean;
  publicToHospital: boolean;
  dangerousOccurrence: boolean;
}

export interface Criterion {
  id: string;
  /** Why it counts, in a line (shown in the decision task's name and the record). */
  says: string;
  applies(facts: IncidentFacts): boolean;
  /** Days from the day it happened within which the report is due; absent: recorded only. */
  reportWithinDays?: number;
}

export interface RuleSet {
  key: string;
  name: string;
  /** What a met criterion makes of the event. */
  verdict: string;
  /** Whether an event must be work-related for any criterion to count. */
  workRelatedOnly: boolean;
  criteria: Criterion[];
}

/** 29 CFR 1904.7: the general recording criteria of the OSHA 300 log. */
export const OSHA_300: RuleSet = {
  key: 'osha300',
  name: 'OSHA 300',
  verdict: 'recordable',
  workRelatedOnly: true,
  criteria: [
    { id: 'death', says: 'death', applies: (f) => f.outcome === 'fatality', reportWithinDays: 1 },
    { id: 'days-away', says: 'days away from work', applies: (f) => f.outcome === 'days-away' || f.daysAway > 0 },
    { id: 'restricted', says: 'restricted work or job transfer', applies: (f) => f.outcome === 'restricted-work' },
    { id: 'medical', says: 'medical treatment beyond first aid', applies: (f) => f.outcome === 'medical-treatment' },
    { id: 'consciousness', says: 'loss of consciousness', applies: (f) => f.lostConsciousness },
  ],
};

/** RIDDOR 2013 (UK): reportable deaths, specified injuries, over-7-day injuries, public to hospital, dangerous occurrences. */
export const RIDDOR: RuleSet = {
  key: 'riddor',
  name: 'RIDDOR',
  verdict: 'reportable',
  workRelatedOnly: true,
  criteria: [
    { id: 'death', says: 'death', applies: (f) => f.outcome === 'fatality', reportWithinDays: 10 },
    { id: 'specified', says: 'specified injury', applies: (f) => f.specifiedInjury, reportWithinDays: 10 },
    { id: 'over-7-days', says: 'over 7 days unable to work', applies: (f) => f.daysAway > 7, reportWithinDays: 15 },
    { id: 'public-hospital', says: 'member of the public taken to hospital', applies: (f) => f.publicToHospital, reportWithinDays: 10 },
    { id: 'dangerous-occurrence', says: 'dangerous occurrence', applies: (f) => f.dangerousOccurrence, reportWithinDays: 10 },
  ],
};

export const RULE_SETS: Record<string, RuleSet> = { [OSHA_300.key]: OSHA_300, [RIDDOR.key]: RIDDOR };

/**
 * The rule sets each site applies, by site key; `*` for every other site. IMSFLOW_EHS_RULE_SETS overrides
 * it as `site=set+set;*=set` (e.g. `dublin=riddor;*=osha300`).
 */
export const DEFAULT_SITE_RULE_SETS: Record<string, string[]> = { '*': ['osha300', 'riddor'] };

export function siteRuleSets(site: string | undefined, configured = process.env.IMSFLOW_EHS_RULE_SETS): RuleSet[] {
  const table = configured ? parseRuleSetConfig(configured) : DEFAULT_SITE_RULE_SETS;
  const keys = (site !== undefined ? table[site] : undefined) ?? table['*'] ?? [];
  return keys.map((key) => RULE_SETS[key]!);
}

/** Reads IMSFLOW_EHS_RULE_SETS once, throwing its message if it names an unknown rule set (the pack checks it at start). */
export function checkRuleSetConfig(configured = process.env.IMSFLOW_EHS_RULE_SETS): void {
  if (configured) parseRuleSetConfig(configured);
}

export function parseRuleSetConfig(text: string): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const [site, sets] = part.split('=').map((p) => p?.trim() ?? '');
    const keys = (sets ?? '').split('+').map((k) => k.trim()).filter(Boolean);
    const unknown = keys.find((key) => !RULE_SETS[key]);
    if (!site || unknown) throw new Error(`IMSFLOW_EHS_RULE_SETS: "${part}" must be site=set+set with sets among ${Object.keys(RULE_SETS).join(', ')}`);
    table[site] = keys;
  }
  return table;
}

export interface RuleSetDecision {
  ruleSet: string;
  name: string;
  /** true: recordable (OSHA) or reportable (RIDDOR). */
  applies: boolean;
  verdict: string;
  reasons: string[];
  /** The last day the report is due (YYYY-MM-DD), when a criterion sets one. */
  reportBy?: string;
}

/** Applies one rule set to the facts; a near miss never counts (nobody was hurt), a dangerous occurrence under RIDDOR does. */
export function decide(ruleSet: RuleSet, facts: IncidentFacts, occurredOn: string | undefined): RuleSetDecision {
  const met = ruleSet.workRelatedOnly && !facts.workRelated ? [] : ruleSet.criteria.filter((criterion) => criterion.applies(facts));
  const days = met.flatMap((criterion) => (criterion.reportWithinDays === undefined ? [] : [criterion.reportWithinDays]));
  const reportBy = days.length && occurredOn && /^\d{4}-\d{2}-\d{2}$/.test(occurredOn) ? addDays(occurredOn, Math.min(...days)) : undefined;
  return { ruleSet: ruleSet.key, name: ruleSet.name, applies: met.length > 0, verdict: ruleSet.verdict, reasons: met.map((criterion) => criterion.says), ...(reportBy && { reportBy }) };
}

function addDays(ymd: string, days: number): string {
  const date = new Date(`${ymd}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
