import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../engine/boot/config.js';

/**
 * docker-compose.yml for scale mode, checked as far as can be done without a Docker engine (there is
 * none on the build machines): structure, pinned images, the environment each imsflow service gets
 * (interpolated from .env.example as Compose would, then read by the real configuration loader), health
 * checks, the Redis and MongoDB settings BullMQ and transactions need, volumes, and the nginx upstream.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');

type Service = {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  env_file?: string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  networks?: string[];
  stop_grace_period?: string;
  restart?: string;
};
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown>; networks: Record<string, { internal?: boolean } | null> };
const services = compose.services;
const IMSFLOW_SERVICES = ['migrate', 'api', 'worker'];

/** `.env` as an operator makes it from .env.example: the example's lines, with the secrets filled in. */
function dotEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of read('.env.example').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return { ...env, IMSFLOW_SECRET: 'ab'.repeat(32), REDIS_PASSWORD: 'cd'.repeat(24), IMSFLOW_METRICS_TOKEN: 'ef'.repeat(32) };
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error} (empty counts as unset), and $$ for a literal $. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (match, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (match === '$$') return '$';
    const given = env[name!];
    if (given) return given;
    if (op === '?') throw new Error(`compose would stop: ${name} ${arg}`);
    return op === '-' ? arg! : '';
  });
}

/** The environment the container of a service gets: its env_file, then its `environment:` over it. */
function containerEnv(name: string, env = dotEnv()): Record<string, string> {
  const service = services[name];
  const fromFile = service.env_file?.includes('.env') ? env : {};
  const own = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), env)]));
  return { ...fromFile, ...own };
}

const command = (service: Service) => (Array.isArray(service.command) ? service.command.join(' ') : (service.command ?? ''));

describe('docker-compose.yml (scale mode; validated here, not run: no Docker engine on these machines)', () => {
  it('has the scale-mode services: databases, migration, API and worker replicas, proxy and SMTP catcher', () => {
    expect(Object.keys(services).sort()).to.deep.equal(['api', 'mailpit', 'migrate', 'mongo', 'proxy', 'redis', 'worker']);
    expect(services.api.deploy?.replicas).to.be.at.least(2);
    expect(services.worker.deploy?.replicas).to.be.at.least(2);
  });

  it('pins every image to a version, and the app image to package.json\'s version', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, `${name} has an image`).to.be.a('string');
      const m = /^([\w./-]+):([\w.-]+)(@sha256:[0-9a-f]{64})?$/.exec(service.image!);
      expect(m, `${name}: ${service.image} names a tag`).to.not.equal(null);
      expect(m![2], `${name}: ${service.image}`).to.not.equal('latest');
      expect(m![2], `${name}: ${service.image} is a full version`).to.match(/^v?\d+\.\d+\.\d+/);
    }
    const version = (JSON.parse(read('package.json')) as { version: string }).version;
    for (const name of IMSFLOW_SERVICES) expect(services[name].image).to.equal(`imsflow:${version}`);
    const from = /^FROM\s+(\S+)/m.exec(read('Dockerfile'))?.[1];
    expect(from, 'the Dockerfile base image').to.match(/^node:20\.\d+\.\d+-bookworm-slim$/);
  });

  it('runs Redis with an append-only file and noeviction (BullMQ keys must never be evicted), password-protected', () => {
    const redis = command(services.redis);
    expect(redis).to.include('--appendonly yes');
    expect(redis).to.include('--maxmemory-policy noeviction');
    expect(redis).to.include('--requirepass');
    expect(services.redis.volumes).to.include('redis-data:/data');
  });

  it('runs MongoDB as a replica set its health check initiates, named by every imsflow service', () => {
    expect(command(services.mongo)).to.match(/--replSet rs0\b/);
    const check = services.mongo.healthcheck!.test.join(' ');
    expect(check).to.include("rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] })");
    expect(check).to.include('isWritablePrimary');
    for (const name of IMSFLOW_SERVICES) expect(containerEnv(name).MONGODB_URI).to.match(/^mongodb:\/\/mongo:27017\/\w+\?replicaSet=rs0$/);
  });

  it('gives each imsflow service a configuration the real loader accepts', () => {
    for (const name of IMSFLOW_SERVICES) {
      const env = containerEnv(name);
      const config = loadConfig(env);
      expect(config.store, name).to.deep.equal({ kind: 'mongodb', uri: 'mongodb://mongo:27017/imsflow?replicaSet=rs0' });
      expect(config.redisUrl, name).to.equal(`redis://:${dotEnv().REDIS_PASSWORD}@redis:6379`);
      expect(config.smtpUrl, name).to.equal('smtp://mailpit:1025');
      expect(config.secret, name).to.equal(dotEnv().IMSFLOW_SECRET);
      expect(config.dataDir, name).to.equal('/data');
      expect(config.warnings, name).to.deep.equal([]);
      expect(services[name].volumes, name).to.include('imsflow-data:/data');
    }
    const api = loadConfig(containerEnv('api'));
    expect(api.host).to.equal('0.0.0.0');
    expect(api.baseUrl).to.equal('http://localhost:8080');
    expect(loadConfig(containerEnv('worker')).workerPort).to.equal(3001);
  });

  it('sets only variables imsflow reads, so an .env cannot switch a service back to SQLite', () => {
    const scaleMode = ['IMSFLOW_STORE', 'MONGODB_URI', 'REDIS_URL', 'IMSFLOW_SECRET', 'IMSFLOW_DATA', 'SMTP_URL'];
    for (const name of IMSFLOW_SERVICES) {
      const own = Object.keys(services[name].environment ?? {});
      expect(own.filter((v) => !(CONFIG_VARIABLES as string[]).includes(v)), `${name}: unknown variables`).to.deep.equal([]);
      expect(scaleMode.filter((v) => !own.includes(v)), `${name}: scale-mode variables not set`).to.deep.equal([]);
      expect(loadConfig(containerEnv(name, { ...dotEnv(), IMSFLOW_STORE: 'sqlite', REDIS_URL: '' })).store.kind).to.equal('mongodb');
    }
  });

  it('takes secrets from .env only, which is never committed nor copied into the image', () => {
    for (const secret of ['IMSFLOW_SECRET', 'REDIS_PASSWORD']) {
      expect(() => containerEnv('api', { ...dotEnv(), [secret]: '' })).to.throw(`compose would stop: ${secret} set ${secret} in .env`);
    }
    const file = read('docker-compose.yml');
    expect(file).to.not.match(/(PASSWORD|SECRET|TOKEN):\s*["']?[A-Za-z0-9]/);
    expect(read('.gitignore').split('\n')).to.include('.env');
    expect(read('.dockerignore').split('\n')).to.include('.env');
    for (const secret of ['IMSFLOW_SECRET', 'REDIS_PASSWORD', 'IMSFLOW_METRICS_TOKEN', 'IMSFLOW_ADMIN_PASSWORD']) expect(read('.env.example')).to.match(new RegExp(`^${secret}=$`, 'm'));
  });

  it('documents every variable imsflow reads in .env.example (and nothing else but the compose Redis password)', () => {
    const documented = [...read('.env.example').matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect([...CONFIG_VARIABLES].filter((v) => !documented.includes(v))).to.deep.equal([]);
    expect(documented.filter((v) => !(CONFIG_VARIABLES as string[]).includes(v))).to.deep.equal(['REDIS_PASSWORD']);
    // The defaults shown are the loader's defaults.
    const shown = Object.fromEntries([...read('.env.example').matchAll(/^#([A-Z][A-Z0-9_]*)=(.+)$/gm)].map((m) => [m[1], m[2]]));
    const defaults = loadConfig({});
    const fromShown = loadConfig(shown);
    expect({ ...fromShown, warnings: [] }).to.deep.equal({ ...defaults, warnings: [] });
  });

  it('every long-running service has a health check, and imsflow starts after its dependencies and migration', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'migrate') continue;
      expect(service.healthcheck?.test, `${name} has a health check`).to.be.an('array').that.is.not.empty;
    }
    expect(services.api.healthcheck!.test.join(' ')).to.include('http://127.0.0.1:3000/readyz');
    expect(services.worker.healthcheck!.test.join(' ')).to.include('http://127.0.0.1:3001/readyz');
    for (const name of ['api', 'worker']) {
      expect(services[name].depends_on).to.deep.equal({ mongo: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } });
    }
    expect(command(services.migrate)).to.equal('npm run migrate');
    expect(services.migrate.restart).to.equal('no');
    // Conditions on health need the health check they wait for.
    for (const service of Object.values(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        if (condition === 'service_healthy') expect(services[dependency].healthcheck, dependency).to.exist;
      }
    }
  });

  it('gives imsflow processes time to shut down gracefully before Docker kills them', () => {
    const seconds = (text: string) => Number(/^(\d+)s$/.exec(text)![1]);
    for (const name of ['api', 'worker']) {
      const shutdownMs = loadConfig(containerEnv(name)).shutdownMs;
      expect(seconds(services[name].stop_grace_period!) * 1000, name).to.be.greaterThan(shutdownMs);
    }
  });

  it('declares every named volume it mounts, and keeps MongoDB and Redis on an internal network', () => {
    const mounted = new Set<string>();
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (!source.startsWith('.') && !source.startsWith('/')) mounted.add(source);
        else expect(existsSync(`${root}${source.replace(/^\.\//, '')}`), `${source} exists`).to.equal(true);
      }
    }
    expect([...mounted].sort()).to.deep.equal(Object.keys(compose.volumes).sort());
    expect(compose.networks.backend?.internal).to.equal(true);
    expect(services.mongo.networks).to.deep.equal(['backend']);
    expect(services.redis.networks).to.deep.equal(['backend']);
    expect(services.mongo.ports).to.equal(undefined);
    expect(services.redis.ports).to.equal(undefined);
  });

  it('publishes one port for the API replicas through nginx, and the Mailpit web UI', () => {
    expect(services.api.ports).to.equal(undefined);
    expect(services.proxy.ports).to.deep.equal(['${IMSFLOW_PUBLISH:-127.0.0.1:8080}:8080']);
    const nginx = read('deploy/nginx.conf');
    const port = loadConfig(containerEnv('api')).port;
    expect(nginx).to.match(new RegExp(`server api:${port} resolve;`));
    expect(nginx).to.match(/listen 8080;/);
    expect(nginx).to.include('proxy_set_header X-Request-Id $request_id;');
    expect(services.mailpit.ports).to.deep.equal(['127.0.0.1:8025:8025']);
  });
});
