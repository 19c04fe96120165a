import { ValidationError } from '../../kernel/errors.js';
import type { RecordReader, ServiceRegistry } from '../../kernel/services.js';

/** A start refused by its pack's start check (ServiceRegistry.registerStartCheck): a 400 naming each field. */
export async function refuseByStartCheck(
  services: ServiceRegistry,
  context: { records: RecordReader; now: Date },
  key: string,
  variables: Record<string, unknown>,
  site: string | undefined,
): Promise<void> {
  const check = services.startCheck(key);
  if (!check) return;
  const problems = await check.check({ variables, ...(site !== undefined && { site }), now: context.now, records: context.records });
  if (problems.length) throw new ValidationError(problems.map((p) => p.message).join('; '), problems);
}
