import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../engine/adapters/sqlite/index.js';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../engine/boot/config.js';

/**
 * Configuration from environment variables (engine/boot/config.ts, the one list of variables): every problem
 * named with its variable and the value it had, secrets never repeated, the processes refusing to start
 * on a bad configuration, the README documenting every variable; and `npm run migrate`.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('the configuration was accepted');
}

/** Runs a script as npm would (node --import tsx), returning its exit code and output. */
async function run(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(CONFIG_VARIABLES as string[]).includes(k) && !k.startsWith('IMSFLOW_')));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('configuration from environment variables', () => {
  it('names the variable, what it must be and the value it had', () => {
    expect(problemsOf({ IMSFLOW_STORE: 'postgres' })).to.deep.equal(["IMSFLOW_STORE must be sqlite or mongodb (was 'postgres')"]);
    expect(problemsOf({ PORT: '80a' })).to.deep.equal(["PORT must be a whole number from 0 to 65535 (was '80a')"]);
    expect(problemsOf({ LOG_LEVEL: 'loud' })).to.deep.equal(["LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (was 'loud')"]);
    expect(problemsOf({ IMSFLOW_HOST: 'everywhere' })).to.deep.equal(["IMSFLOW_HOST must be an IP address such as 127.0.0.1 or 0.0.0.0 (was 'everywhere')"]);
    expect(problemsOf({ IMSFLOW_POLL_MS: '10' })).to.deep.equal(["IMSFLOW_POLL_MS must be 0 (no polling) or a whole number of at least 50 (was '10')"]);
  });

  it('lists every problem at once, in one message that starts "invalid configuration"', () => {
    let message = '';
    try {
      loadConfig({ IMSFLOW_STORE: 'postgres', IMSFLOW_WORKER_CONCURRENCY: '0', SMTP_URL: 'mail.example.com', IMSFLOW_SECURE_COOKIES: 'yes' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).to.deep.equal([
      'invalid configuration:',
      "  IMSFLOW_STORE must be sqlite or mongodb (was 'postgres')",
      "  SMTP_URL must start with smtp:// or smtps:// (was 'mail.example.com')",
      "  IMSFLOW_WORKER_CONCURRENCY must be a whole number from 1 to 1000 (was '0')",
      "  IMSFLOW_SECURE_COOKIES must be true or false (was 'yes')",
    ]);
  });

  it('never repeats a secret: secrets are hidden, a password in a URL is masked', () => {
    const problems = problemsOf({ IMSFLOW_SECRET: 'tooshort-secret', IMSFLOW_METRICS_TOKEN: 'tiny-token', REDIS_URL: 'http://:hunter2@redis:6379' });
    expect(problems).to.deep.equal([
      'IMSFLOW_SECRET must hold at least 32 bytes (64 hex or 44 base64 characters) (value hidden)',
      'REDIS_URL must start with redis:// or rediss:// (was \'http://***@redis:6379\')',
      'IMSFLOW_METRICS_TOKEN must be at least 32 characters (e.g. openssl rand -hex 32) (value hidden)',
    ]);
    expect(problems.join('\n')).to.not.match(/tooshort|tiny-token|hunter2/);
  });

  it('checks variables that go together, such as MongoDB and MONGODB_URI', () => {
    expect(problemsOf({ IMSFLOW_STORE: 'mongodb' })).to.deep.equal(['MONGODB_URI is required with IMSFLOW_STORE=mongodb, e.g. mongodb://mongo:27017/imsflow?replicaSet=rs0']);
    expect(problemsOf({ IMSFLOW_STORE: 'mongodb', MONGODB_URI: 'postgres://db/imsflow' })).to.deep.equal(["MONGODB_URI must start with mongodb:// or mongodb+srv:// (was 'postgres://db/imsflow')"]);
    expect(problemsOf({ IMSFLOW_ADMIN_EMAIL: 'root@example.com' })).to.deep.equal(['IMSFLOW_ADMIN_EMAIL and IMSFLOW_ADMIN_PASSWORD go together: set both or neither']);
    const config = loadConfig({ IMSFLOW_STORE: 'mongodb', MONGODB_URI: 'mongodb://mongo:27017/imsflow?replicaSet=rs0' });
    expect(config.store).to.deep.equal({ kind: 'mongodb', uri: 'mongodb://mongo:27017/imsflow?replicaSet=rs0' });
  });

  it('names the policy variable of a bad duration or escalation step', () => {
    expect(problemsOf({ IMSFLOW_REMIND_BEFORE: 'two days' })[0]).to.match(/^IMSFLOW_REMIND_BEFORE: "two days" is not an ISO 8601 duration/);
    expect(problemsOf({ IMSFLOW_ESCALATIONS: 'P3D:manager,PXD:steering-committee' })[0]).to.match(/^IMSFLOW_ESCALATIONS step 2: "PXD" is not an ISO 8601 duration/);
    expect(problemsOf({ IMSFLOW_ESCALATIONS: 'P3D' })).to.deep.equal(["IMSFLOW_ESCALATIONS part 'P3D' must look like P3D:manager or P10D:steering-committee:reassign"]);
  });

  it('refuses a recurrence watch window that is no duration, and keeps twelve months without one', () => {
    expect(problemsOf({ IMSFLOW_RECURRENCE_WINDOW: 'a year' })[0]).to.match(/^IMSFLOW_RECURRENCE_WINDOW must be an ISO 8601 duration above zero/);
    expect(loadConfig({}).recurrenceWindow).to.equal('P12M');
    expect(loadConfig({ IMSFLOW_RECURRENCE_WINDOW: 'P6M' }).recurrenceWindow).to.equal('P6M');
  });

  it('takes an empty value as unset, except where empty means "none"', () => {
    const config = loadConfig({ PORT: '', IMSFLOW_STORE: '', MONGODB_URI: '', REDIS_URL: '', IMSFLOW_ADMIN_EMAIL: '', IMSFLOW_ADMIN_PASSWORD: '', IMSFLOW_REMIND_BEFORE: '' });
    expect(config.port).to.equal(3000);
    expect(config.store.kind).to.equal('sqlite');
    expect(config.redisUrl).to.equal(undefined);
    expect(config.admin).to.equal(undefined);
    expect(config.policy.remindBefore).to.equal(undefined);
    expect(loadConfig({}).policy.remindBefore).to.equal('P1D');
  });

  it('warns about an IMSFLOW_ variable it does not read, suggesting the one meant', () => {
    const config = loadConfig({ IMSFLOW_STOER: 'mongodb', IMSFLOW_SOMETHING_ELSE: '1' });
    expect(config.warnings).to.deep.equal([
      'IMSFLOW_STOER is not a variable imsflow reads (did you mean IMSFLOW_STORE?): ignored',
      'IMSFLOW_SOMETHING_ELSE is not a variable imsflow reads: ignored',
    ]);
    expect(config.store.kind).to.equal('sqlite');
  });

  it('keeps the embedded default without any variable: SQLite in ./data, loopback, embedded scheduler', () => {
    const config = loadConfig({});
    expect(config.store).to.deep.equal({ kind: 'sqlite', file: join(process.cwd(), 'data', 'imsflow.db') });
    expect(config).to.include({ host: '127.0.0.1', port: 3000, redisUrl: undefined, shutdownMs: 25_000, metricsToken: undefined, workerPort: undefined });
  });

  it('documents every variable in the README configuration table', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
    // The first column of each row: `NAME` or `NAME` / `OTHER`.
    const documented = new Set(table.split('\n').filter((l) => l.startsWith('| `')).flatMap((l) => [...l.split(' | ')[0].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1])));
    expect([...CONFIG_VARIABLES].filter((v) => !documented.has(v))).to.deep.equal([]);
    expect([...documented].filter((v) => !(CONFIG_VARIABLES as string[]).includes(v))).to.deep.equal([]);
  });

  describe('the processes', () => {
    it('npm start refuses a bad configuration with exit 1 and a message naming the variable', async () => {
      const { code, stderr, stdout } = await run('api/main.ts', { IMSFLOW_STORE: 'postgres', PORT: 'x' });
      expect(code).to.equal(1);
      expect(stderr.trim().split('\n')).to.deep.equal(['invalid configuration:', "  PORT must be a whole number from 0 to 65535 (was 'x')", "  IMSFLOW_STORE must be sqlite or mongodb (was 'postgres')"]);
      expect(stdout).to.equal('');
    });

    it('npm run worker refuses to start without REDIS_URL, saying why', async () => {
      const { code, stderr } = await run('workers/main.ts', { IMSFLOW_DATA: join(tmpdir(), 'imsflow-never-created') });
      expect(code).to.equal(1);
      expect(stderr).to.include('REDIS_URL is required by npm run worker');
    });
  });
});

describe('npm run migrate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-migrate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the SQLite schema, naming each migration; a second run does nothing', async () => {
    const first = await run('scripts/migrate.ts', { IMSFLOW_DATA: dir });
    expect(first.code, first.stderr).to.equal(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).to.equal(`imsflow migrate: sqlite at ${join(dir, 'imsflow.db')}`);
    const ran = lines.filter((l) => l.startsWith('  ran schema version '));
    expect(ran.length).to.be.at.least(4);
    expect(ran[0]).to.match(/^ {2}ran schema version 1: tables definitions, instances, tasks, jobs, incidents, audit, sequences; indexes /);
    expect(ran.some((l) => /^ {2}ran schema version \d+: tables signatures;.*triggers signatures_no_update, signatures_no_delete$/.test(l))).to.equal(true);
    expect(lines.at(-1)).to.equal(`done: ${ran.length} step(s) ran; schema ${ran.length}`);

    const second = await run('scripts/migrate.ts', { IMSFLOW_DATA: dir });
    expect(second.code).to.equal(0);
    expect(second.stdout.trim().split('\n')).to.deep.equal([`imsflow migrate: sqlite at ${join(dir, 'imsflow.db')}`, `nothing to do: schema ${ran.length} is up to date`]);

    // The migrated file is a working store.
    const store = new SqliteStore(join(dir, 'imsflow.db'));
    await store.init();
    try {
      expect((await store.applyMigrations()).ran).to.deep.equal([]);
      expect(await store.listDefinitions()).to.deep.equal([]);
    } finally {
      await store.close();
    }
  });

  it('keeps the records of a store that is already in use', async () => {
    const store = new SqliteStore(join(dir, 'imsflow.db'));
    await store.init();
    await store.commit({ users: [{ id: 'kept', email: 'kept@example.com', name: 'Kept', roles: ['staff'], active: true, createdAt: '2026-05-04T07:00:00.000Z' }], audit: [] });
    await store.close();
    const result = await run('scripts/migrate.ts', { IMSFLOW_DATA: dir });
    expect(result.stdout).to.include('nothing to do');
    const again = new SqliteStore(join(dir, 'imsflow.db'));
    await again.init();
    try {
      expect((await again.getUser('kept'))?.email).to.equal('kept@example.com');
    } finally {
      await again.close();
    }
  });

  it('exits 1 on a bad configuration or an unreachable store, saying why', async () => {
    const bad = await run('scripts/migrate.ts', { IMSFLOW_STORE: 'postgres' });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include("IMSFLOW_STORE must be sqlite or mongodb (was 'postgres')");

    // MongoDB cannot run on this machine: nothing listens on this address, so the migration says so.
    const unreachable = await run('scripts/migrate.ts', { IMSFLOW_STORE: 'mongodb', MONGODB_URI: 'mongodb://127.0.0.1:1/imsflow?replicaSet=rs0&serverSelectionTimeoutMS=500' });
    expect(unreachable.code).to.equal(1);
    expect(unreachable.stderr).to.match(/^imsflow migrate failed on mongodb:\/\/127\.0\.0\.1:1\/imsflow\?replicaSet=rs0&serverSelectionTimeoutMS=500: /);
  });
});
