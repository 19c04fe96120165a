import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { expect } from 'chai';

/**
 * "api/ never touches a store: it calls commands and queries." The lint rule in eslint.config.js keeps it
 * so; these run ESLint on snippets placed under api/ so that dropping or weakening the rule fails here.
 */
describe('api/ reads and writes through engine queries and commands, never the store (eslint.config.js)', () => {
  const eslint = new ESLint({ cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  const storeReports = async (code: string, filePath: string) => {
    const [result] = await eslint.lintText(code, { filePath });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax');
  };

  it('refuses a route that reads the store directly, pointing to the engine queries', async () => {
    const code = "import type { ProcessEngine } from '../engine/process-engine.js';\nexport const people = (imsflow: ProcessEngine) => imsflow.store.listUsers({});\n";
    const reports = await storeReports(code, 'api/store-probe.ts');
    expect(reports).to.have.length(1);
    expect(reports[0]!.severity, 'an error, not a warning').to.equal(2);
    expect(reports[0]!.message).to.contain('imsflow.queries');
  });

  it('refuses a page that writes to or takes apart the store, however deep under api/', async () => {
    const code = [
      "import type { ProcessEngine } from '../../engine/process-engine.js';",
      'export async function write(imsflow: ProcessEngine) { await imsflow.store.commit({ audit: [] }); }',
      'export function take(imsflow: ProcessEngine) { const { store } = imsflow; return store; }',
      '',
    ].join('\n');
    const reports = await storeReports(code, 'api/ui/store-probe.ts');
    expect(reports.map((r) => r.line)).to.deep.equal([2, 3]);
  });

  it('refuses replacing a store\'s commit anywhere, api/ included: hooks are registered, never wrapped in', async () => {
    const code = 'export function wrap(s: { commit: unknown }) { s.commit = () => undefined; s[\'commit\'] = () => undefined; }\n';
    for (const filePath of ['engine/commit-probe.ts', 'workers/commit-probe.ts', 'api/commit-probe.ts', 'api/server.ts']) {
      const reports = await storeReports(code, filePath);
      expect(reports.map((r) => r.message.slice(0, 36)), filePath).to.deep.equal(["Do not replace a store's commit: reg", "Do not replace a store's commit: reg"]);
    }
  });

  it('lets api/ read which kind of store is configured, and the engine use its store', async () => {
    const config = "export const kind = (config: { store: { kind: string } }) => config.store.kind;\n";
    expect(await storeReports(config, 'api/store-probe.ts')).to.deep.equal([]);
    const engine = "export const people = (imsflow: { store: { listUsers(q: object): unknown } }) => imsflow.store.listUsers({});\n";
    expect(await storeReports(engine, 'engine/store-probe.ts')).to.deep.equal([]);
  });

  it('finds no store access left anywhere in api/', async () => {
    const results = await eslint.lintFiles(['api/**/*.ts']);
    const found = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => `${r.filePath}:${m.line}`));
    expect(found).to.deep.equal([]);
  });
});
