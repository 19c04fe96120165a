import { expect } from 'chai';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

/**
 * Dependencies point inward (DESIGN.md): api/ → workers/ → engine/; processes/ and modeler/ → engine/.
 * The ESLint rule in eslint.config.js enforces it; each case lints a file that breaks one direction (as if
 * it sat in that folder) and expects an error, and each allowed import lints clean.
 */
describe('import directions', () => {
  const eslint = new ESLint({ cwd: fileURLToPath(new URL('../..', import.meta.url)) });

  async function importErrors(filePath: string, specifier: string): Promise<string[]> {
    const [result] = await eslint.lintText(`export * from '${specifier}';\n`, { filePath });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' && m.severity === 2).map((m) => m.message);
  }

  const refused: [string, string, string][] = [
    ['the engine does not reach the HTTP API', 'engine/boot/probe.ts', '../../api/app.js'],
    ['the engine does not reach the job runners', 'engine/probe.ts', '../workers/runners/index.js'],
    ['the engine does not name a process pack', 'engine/features/tasks/probe.ts', '../../../processes/index.js'],
    ['the engine does not reach the scripts', 'engine/probe.ts', '../scripts/demo.js'],
    ['the engine does not reach the benchmarks', 'engine/probe.ts', '../bench/common.js'],
    ['the runners do not reach the HTTP API', 'workers/runners/embedded/probe.ts', '../../../api/server.js'],
    ['a pack does not touch the store', 'processes/capa/probe.ts', '../../engine/store/store.js'],
    ['a pack does not touch an adapter', 'processes/capa/probe.ts', '../../engine/adapters/sqlite/index.js'],
    ["a pack does not reach into a feature's files", 'processes/capa/probe.ts', '../../engine/features/tasks/completion.js'],
    ['a pack does not reach the HTTP API', 'processes/capa/probe.ts', '../../api/app.js'],
    ['the kernel knows no feature', 'engine/kernel/probe.ts', '../features/notifications/index.js'],
    ['the kernel knows no adapter', 'engine/kernel/probe.ts', '../adapters/sqlite/index.js'],
    ["a feature does not reach into another feature's files", 'engine/features/tasks/probe.ts', '../accounts/accounts.js'],
    ['the modeler does not reach the HTTP API', 'modeler/probe.ts', '../api/app.js'],
    ['the modeler does not reach the job runners', 'modeler/probe.ts', '../workers/health.js'],
  ];
  for (const [title, file, specifier] of refused) {
    it(title, async () => {
      expect(await importErrors(file, specifier), `${specifier} from ${file}`).to.have.length(1);
    });
  }

  const allowed: [string, string, string][] = [
    ['the API uses the runners', 'api/probe.ts', '../workers/runners/index.js'],
    ['the runners use the engine', 'workers/runners/bullmq/probe.ts', '../../../engine/boot/assemble.js'],
    ['a pack uses the pack kit', 'processes/capa/probe.ts', '../../engine/pack-kit.js'],
    ['a pack uses the pack manifest', 'processes/capa/probe.ts', '../../engine/packs.js'],
    ["a pack uses a feature's public index", 'processes/capa/probe.ts', '../../engine/features/dashboard/index.js'],
    ["a feature uses another feature's index", 'engine/features/tasks/probe.ts', '../accounts/index.js'],
    ['a feature uses the kernel and the ports', 'engine/features/tasks/probe.ts', '../../kernel/model.js'],
    ['the engine uses its own parts', 'engine/boot/probe.ts', '../adapters/sqlite/index.js'],
  ];
  for (const [title, file, specifier] of allowed) {
    it(title, async () => {
      expect(await importErrors(file, specifier), `${specifier} from ${file}`).to.deep.equal([]);
    });
  }
});
