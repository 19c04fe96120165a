import { NotPermittedError, ValidationError } from '../../kernel/errors.js';
import { validateFormData } from '../../kernel/forms.js';
import type { FormField, InstanceRecord, UserRecord } from '../../kernel/model.js';
import { visibleSites } from '../access/index.js';
import { effectiveDefinition } from '../definitions/index.js';
import type { FeatureContext } from '../context.js';

/**
 * A person starting a record by hand (the JSON API, the "New" page): who may start which process
 * (ims:starters, within their own sites), and the start form their data must pass. System starts (a
 * schedule, a publication, another record's step, an inbound event) go through ProcessEngine.start.
 */

export interface StartInput {
  /** The start form's values; they become the record's variables. */
  variables?: unknown;
  businessKey?: string;
  site?: string;
}

export interface Started {
  id: string;
  businessKey: string;
  version: number;
  status: InstanceRecord['status'];
}

/** A process a person may start, with the form they fill in to start it and the sites they may pick. */
export interface StartableProcess {
  key: string;
  name: string;
  description?: string;
  version: number;
  /** The start event's id: the start form's messages are `<key>.<startEvent>.field.<field>.label`. */
  startEvent: string;
  form: FormField[];
  /** The sites the record may belong to; empty when it takes none (the starter belongs to no site). */
  sites: string[];
}

const who = (user: Pick<UserRecord, 'roles'>, starters: readonly string[]) => user.roles.some((role) => starters.includes(role));

/** Why `user` may not start a process with these starters (none named: anyone signed in may), or undefined when they may. */
function refusal(name: string, starters: readonly string[] | undefined, user: Pick<UserRecord, 'roles'>): string | undefined {
  if (!starters) return undefined;
  if (!starters.length) return `“${name}” is started by the system only, not by hand`;
  return who(user, starters) ? undefined : `“${name}” is started by ${starters.join(', ')}`;
}

/**
 * Starts a record as `user`: refused (403) when none of their roles is among the process's starters or the
 * site is not theirs; a site is required when they belong to several; the data must pass the start form
 * (400 naming every field). The cleaned form values become the record's variables.
 */
export async function startByPerson(ctx: FeatureContext, key: string, input: StartInput, user: UserRecord): Promise<Started> {
  const definition = await effectiveDefinition(ctx, key);
  const { spec } = await ctx.compile(definition.key, definition.version, definition);
  const refused = refusal(spec.name, spec.starters, user);
  if (refused) throw new NotPermittedError(refused);
  const sites = visibleSites(user);
  const site = input.site ?? (user.sites?.length === 1 ? user.sites[0] : undefined);
  if (site !== undefined && sites !== undefined && !sites.includes(site)) throw new NotPermittedError(`you do not belong to site ${site}`);
  if (site === undefined && sites !== undefined && sites.length > 1) throw new ValidationError('say which site the record belongs to', [{ field: 'site', message: `one of ${sites.join(', ')}` }]);
  // a process without a start form (a file drawn before start forms) takes its variables as given, as it did
  const variables = spec.startForm.length ? await validateFormData(spec.startForm, input.variables, { ...ctx.formContext, ...(site !== undefined && { site }) }) : asGiven(input.variables);
  return ctx.start(definition.key, { variables, ...(input.businessKey !== undefined && { businessKey: input.businessKey }), ...(site !== undefined && { site }) }, user.id);
}

/**
 * Checks the data a system start brings (an inbound event) against the start form: the form's fields must
 * pass it, and what the form does not ask (where the data came from) is kept as given.
 */
export async function checkStartData(ctx: FeatureContext, key: string, variables: Record<string, unknown>, site?: string): Promise<Record<string, unknown>> {
  const definition = await effectiveDefinition(ctx, key);
  const { spec } = await ctx.compile(definition.key, definition.version, definition);
  const asked = new Set(spec.startForm.map((f) => f.key));
  const fromForm = Object.fromEntries(Object.entries(variables).filter(([k]) => asked.has(k)));
  const cleaned = await validateFormData(spec.startForm, fromForm, { ...ctx.formContext, ...(site !== undefined && { site }) });
  return { ...Object.fromEntries(Object.entries(variables).filter(([k]) => !asked.has(k))), ...cleaned };
}

function asGiven(variables: unknown): Record<string, unknown> {
  if (variables === undefined || variables === null) return {};
  if (typeof variables !== 'object' || Array.isArray(variables)) throw new ValidationError('variables must be an object', [{ field: 'variables', message: 'must be an object' }]);
  return variables as Record<string, unknown>;
}

/** What `user` may start: every deployed process in effect whose starters include one of their roles. */
export async function startableProcesses(ctx: FeatureContext, user: UserRecord): Promise<StartableProcess[]> {
  const keys = [...new Set((await ctx.store.listDefinitions()).map((d) => d.key))].sort();
  const sites = visibleSites(user) ?? (await allSites(ctx));
  const startable: StartableProcess[] = [];
  for (const key of keys) {
    const definition = await effectiveDefinition(ctx, key).catch(() => undefined);
    if (!definition) continue;
    const { spec } = await ctx.compile(definition.key, definition.version, definition);
    if (refusal(spec.name, spec.starters, user)) continue;
    startable.push({ key, name: spec.name, ...(spec.description && { description: spec.description }), version: definition.version, startEvent: spec.startEvent ?? 'start', form: spec.startForm, sites });
  }
  return startable;
}

/** Every site someone active belongs to: what an administrator (who sees every site) may pick. */
async function allSites(ctx: FeatureContext): Promise<string[]> {
  const people = await ctx.store.listUsers({ active: true });
  return [...new Set(people.flatMap((p) => p.sites ?? []))].sort();
}
