import { nextVersion, sha256 } from '../change-control/index.js';
import { auditEvent } from '../../kernel/audit-event.js';
import { ConflictError, InvalidDefinitionError, NotFoundError } from '../../kernel/errors.js';
import type { DefinitionRecord, DefinitionSource } from '../../kernel/model.js';
import type { FeatureContext } from '../context.js';

// Deployed process definitions: uploading a version (outside change control) and reading them.

/**
 * Validates and stores a new version, in effect at once; identical content to an existing version is a
 * no-op. This bypasses change control (no review, no signature): it is for the shipped processes
 * (`via: 'shipped'`) and for process owners and admins uploading a file (`upload`, POST /api/definitions).
 */
export async function deploy(ctx: FeatureContext, xml: string, actor: string, reason?: string, options: { via?: Exclude<DefinitionSource, 'change-control'> } = {}): Promise<{ key: string; version: number; hash: string; created: boolean }> {
  if (typeof xml !== 'string' || !xml.trim()) throw new InvalidDefinitionError([{ element: 'xml', message: 'the BPMN file is empty' }]);
  const { spec, problems } = await ctx.checkDefinition(xml, { trusted: options.via === 'shipped' });
  if (!spec || problems.length) throw new InvalidDefinitionError(problems);
  const hash = sha256(xml);

  return ctx.withRetry(async () => {
    const same = await ctx.store.findDefinitionByHash(spec.key, hash);
    if (same) return { key: same.key, version: same.version, hash, created: false };
    const latest = await ctx.store.getDefinition(spec.key);
    const now = ctx.now();
    const record = nextVersion(spec, xml, latest, { at: now, actor, effectiveAt: now, via: options.via ?? 'upload' });
    await ctx.store.commit({
      definition: record,
      audit: [
        auditEvent(ctx.clock, {
          actor,
          action: 'definition.deployed',
          target: `definition:${record.key}@${record.version}`,
          old: latest ? { version: latest.version, hash: latest.hash } : undefined,
          new: { version: record.version, hash, name: record.name, effectiveAt: now, via: record.via },
          reason,
        }),
      ],
    });
    return { key: record.key, version: record.version, hash, created: true };
  });
}

export async function listDefinitions(ctx: FeatureContext): Promise<Omit<DefinitionRecord, 'xml'>[]> {
  return (await ctx.store.listDefinitions()).map(({ xml: _xml, ...rest }) => rest);
}

export async function getDefinition(ctx: FeatureContext, key: string, version?: number): Promise<DefinitionRecord> {
  const record = await ctx.store.getDefinition(key, version);
  if (!record) throw new NotFoundError(version ? `process "${key}" has no version ${version}` : `no process "${key}" is deployed`);
  return record;
}

/** The version new instances start on now: the highest version in effect (see DefinitionRecord.effectiveAt). */
export async function effectiveDefinition(ctx: FeatureContext, key: string): Promise<DefinitionRecord> {
  const record = await ctx.store.getEffectiveDefinition(key, ctx.now());
  if (record) return record;
  const latest = await ctx.store.getDefinition(key);
  if (!latest) throw new NotFoundError(`no process "${key}" is deployed`);
  throw new ConflictError(`process "${key}" has no version in effect yet: version ${latest.version} takes effect at ${latest.effectiveAt ?? latest.deployedAt}`);
}
