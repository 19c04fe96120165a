import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { benchDir, progress, projectDir, type BenchModule, type BenchOptions, type BenchResult } from './common.js';

/**
 * RSS with many instances open at their user task, measured in a fresh child process (node --expose-gc)
 * so the other measurements' heap does not count.
 */

interface RssReport {
  open_instances: number;
  rss_mb: number;
  rss_mb_baseline: number;
  heap_used_mb: number;
  gc: boolean;
}

function runChild(count: number): Promise<RssReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(benchDir, 'rss.ts'), '--count', String(count)], {
      cwd: projectDir,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`bench/rss.ts exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as RssReport);
      } catch {
        reject(new Error(`bench/rss.ts printed no JSON: ${out.slice(0, 500)}`));
      }
    });
  });
}

export const memoryModule: BenchModule = {
  name: 'memory',
  async run({ quick }: BenchOptions): Promise<BenchResult> {
    const count = quick ? 2_000 : 10_000;
    progress(`memory: starting ${count} open instances in a child process`);
    const report = await runChild(count);
    return {
      rss_mb_10k_open: report.rss_mb,
      rss_target_mb: 300,
      open_instances: report.open_instances,
      rss_mb_baseline: report.rss_mb_baseline,
      heap_used_mb_open: report.heap_used_mb,
      counts: { open_instances: count },
      notes: {
        rss: `RSS of a fresh node --expose-gc child after ${report.open_instances} instances were started and left open at their user task, measured after ${report.gc ? 'global.gc()' : 'no gc (global.gc unavailable)'}; rss_mb_baseline is the same process after deploy and one warm-up instance`,
      },
    };
  },
};
