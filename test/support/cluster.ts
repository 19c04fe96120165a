import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';

/**
 * Real imsflow processes for multi-process tests and benchmarks: `api/main.ts` and `workers/main.ts` run
 * as child processes (`node --import tsx`, as `npm run dev` / `npm run worker` run them) with the
 * environment given. Each child leads its own process group, so a kill reaches everything it started;
 * `Cluster.stopAll()` SIGKILLs whatever is still running, for an `after` hook that must clean up even
 * when the test failed. Readiness is awaited on what the process offers to others (the API answers
 * /healthz; a worker is registered with BullMQ), not on log lines.
 */

const projectDir = fileURLToPath(new URL('../..', import.meta.url));

/** A port nobody listens on right now (the kernel's choice), for a child that needs to be told its port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A child process whose JSON log lines (pino, on stdout) a test can wait for. */
export interface LoggingChild {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves with the first log line with this msg (already written or still to come). */
  logged(msg: string): Promise<Record<string, any>>;
  /** SIGKILLs the process if it still runs, and waits until it is gone. */
  kill(): Promise<void>;
}

/**
 * `node --import tsx <script>` with `env` on top of this process's environment, for tests that wait on
 * what the process logs. Its stderr is printed when it exits with a code not in `quietExits`.
 */
export function startLogging(script: string, env: Record<string, string>, quietExits: (number | null)[] = [0, null]): LoggingChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: projectDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, any>[] = [];
  const waiters: { msg: string; resolve: (line: Record<string, any>) => void }[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const text of parts) {
      let line: Record<string, any>;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      lines.push(line);
      for (const w of [...waiters]) if (w.msg === line.msg) waiters.splice(waiters.indexOf(w), 1) && w.resolve(line);
    }
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => {
    if (!quietExits.includes(code)) console.error(`${script} exited with ${code}:\n${stderr}`);
    return code as number | null;
  });
  return {
    child,
    exited,
    logged: (msg) => {
      const seen = lines.find((l) => l.msg === msg);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ msg, resolve }));
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export interface ChildHandle {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends a signal to the process group. */
  signal(signal: NodeJS.Signals): void;
}

export interface ApiHandle extends ChildHandle {
  url: string;
  port: number;
}

const OUTPUT_LINES = 200;

export class Cluster {
  private readonly children = new Set<ChildHandle>();
  /** Every process started, running or not: a killed one's last words matter most when a test fails. */
  private readonly started: ChildHandle[] = [];

  private readonly onExit = () => {
    for (const handle of this.children) handle.signal('SIGKILL');
  };

  /** @param env what every process gets on top of this one's environment (data folder, Redis, prefix, SMTP …). */
  constructor(private readonly env: Record<string, string>) {
    // children lead their own groups, so they would outlive a test run that dies: take them along
    process.once('exit', this.onExit);
  }

  /** Starts an API process on `port` (a free one when not given) and waits until it answers /healthz. */
  async startApi(name: string, port?: number, timeoutMs = 60_000): Promise<ApiHandle> {
    const chosen = port ?? (await freePort());
    const handle = this.spawn(name, 'api/main.ts', { PORT: String(chosen) });
    const url = `http://127.0.0.1:${chosen}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (handle.child.exitCode !== null || handle.child.signalCode !== null) throw new Error(`${name} exited before it answered:\n${handle.output()}`);
      try {
        const res = await fetch(`${url}/healthz`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${name} did not answer ${url}/healthz within ${timeoutMs} ms:\n${handle.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { ...handle, url, port: chosen };
  }

  /**
   * Starts a worker process and waits until BullMQ lists one more worker on the main queue (a worker
   * registers its connection by name when it starts taking jobs).
   */
  async startWorker(name: string, queue: { redisUrl: string; prefix: string; name: string }, timeoutMs = 60_000): Promise<ChildHandle> {
    const probe = new Queue(queue.name, { connection: { url: queue.redisUrl }, prefix: queue.prefix });
    try {
      // each worker connection is one Redis client; a new client id is the new process's worker
      const before = new Set((await probe.getWorkers()).map((w) => w.id));
      const handle = this.spawn(name, 'workers/main.ts', {});
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (handle.child.exitCode !== null || handle.child.signalCode !== null) throw new Error(`${name} exited before it took jobs:\n${handle.output()}`);
        const now = (await probe.getWorkers()).map((w) => w.id);
        if (now.some((id) => !before.has(id))) return handle;
        if (Date.now() > deadline) throw new Error(`${name} did not register with BullMQ within ${timeoutMs} ms:\n${handle.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await probe.close();
    }
  }

  /** SIGKILLs a process (its group) and waits until it is gone: no shutdown code runs. */
  async kill(handle: ChildHandle): Promise<void> {
    handle.signal('SIGKILL');
    await handle.exited;
  }

  /** SIGTERMs a process (a graceful stop: it finishes what it holds) and waits until it is gone. */
  async stop(handle: ChildHandle): Promise<void> {
    handle.signal('SIGTERM');
    await handle.exited;
  }

  /**
   * The last lines (up to 200) of every process started, killed ones included, each prefixed with its
   * name. Children's logs are only kept, never echoed: print this when a test fails.
   */
  output(): string {
    return this.started.map((h) => h.output()).join('\n');
  }

  /** SIGKILLs every process still running and waits for them. Safe to call more than once. */
  async stopAll(): Promise<void> {
    const running = [...this.children].filter((h) => h.child.exitCode === null && h.child.signalCode === null);
    for (const handle of running) handle.signal('SIGKILL');
    await Promise.all(running.map((h) => h.exited));
    this.children.clear();
    process.off('exit', this.onExit);
  }

  private spawn(name: string, script: string, extra: Record<string, string>): ChildHandle {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: projectDir,
      env: { ...process.env, ...this.env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const lines: string[] = [];
    const keep = (chunk: string) => {
      lines.push(...chunk.split('\n').filter(Boolean));
      if (lines.length > OUTPUT_LINES) lines.splice(0, lines.length - OUTPUT_LINES);
    };
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    const handle: ChildHandle = {
      name,
      child,
      exited,
      output: () => lines.map((l) => `  [${name}] ${l}`).join('\n'),
      signal: (signal) => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          child.kill(signal);
        }
      },
    };
    this.children.add(handle);
    this.started.push(handle);
    void exited.then(() => this.children.delete(handle));
    return handle;
  }
}
