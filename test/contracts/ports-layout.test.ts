import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * Every store port (engine/ports/<port>.ts declaring a `…Store` or `StoreOperations` interface) has its own
 * contract suite in test/contracts/<port>/, exported by its index as `<port>Contract`, and
 * test/contracts/index.ts runs it against every adapter: a port added without a contract fails here.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const storePorts = readdirSync(`${root}engine/ports`)
  .filter((name) => name.endsWith('.ts'))
  .filter((name) => /export interface \w*Store(?:Operations)?\b/.test(readFileSync(`${root}engine/ports/${name}`, 'utf8')))
  .map((name) => name.slice(0, -'.ts'.length))
  // store.ts is every port in one (what an adapter implements), not a port of its own
  .filter((port) => port !== 'store');
const contractName = (port: string) => `${port.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase())}Contract`;

describe('store ports and their contracts', () => {
  it('finds the store ports in engine/ports/', () => {
    expect(storePorts).to.include.members(['record-store', 'account-store', 'job-store', 'outbox-store', 'backup-store', 'commit-store', 'store-operations', 'figure-store', 'task-figure-store', 'kpi-store', 'register-store', 'site-store']);
  });

  it('every store port has a contract suite of its own, and every adapter runs it', () => {
    const everyPort = readFileSync(`${root}test/contracts/index.ts`, 'utf8');
    const missing = storePorts.filter((port) => {
      const index = `${root}test/contracts/${port}/index.ts`;
      const imported = everyPort.includes(`import { ${contractName(port)} } from './${port}/index.js';`);
      const run = everyPort.split(contractName(port)).length > 2; // imported, and named again where it runs
      return !existsSync(index) || !readFileSync(index, 'utf8').includes(`export function ${contractName(port)}(`) || !imported || !run;
    });
    expect(missing).to.deep.equal([]);
  });
});
