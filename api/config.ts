import { resolve } from 'node:path';
import { z } from 'zod';

/** Configuration from environment variables, checked once at start so a typo fails loudly. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  IMSFLOW_DATA: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How often the embedded scheduler looks for due jobs. */
  IMSFLOW_POLL_MS: z.coerce.number().int().min(50).default(1000),
});

export interface Config {
  port: number;
  /** Until accounts exist the server listens on the loopback interface only. */
  host: '127.0.0.1';
  dataDir: string;
  databaseFile: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  pollMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const values = parsed.data;
  const dataDir = resolve(values.IMSFLOW_DATA);
  return {
    port: values.PORT,
    host: '127.0.0.1',
    dataDir,
    databaseFile: resolve(dataDir, 'imsflow.db'),
    logLevel: values.LOG_LEVEL,
    pollMs: values.IMSFLOW_POLL_MS,
  };
}
