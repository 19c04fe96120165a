import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * The two store adapters are cut the same way (engine/adapters/sqlite/ and mongo/): a maintainer who fixes
 * a concern in one finds the same concern under the same file name in the other.
 */

const adapters = fileURLToPath(new URL('../../engine/adapters/', import.meta.url));
const modules = (adapter: string) => readdirSync(`${adapters}${adapter}`).filter((name) => name.endsWith('.ts')).sort();

describe('store adapter layout', () => {
  it('the SQLite and MongoDB adapters keep one module per concern, under the same names', () => {
    // SQLite alone prepares statements once; MongoDB has no such step
    expect(modules('sqlite').filter((name) => name !== 'statements.ts')).to.deep.equal(modules('mongo'));
  });

  it('no adapter module grows past 400 lines', () => {
    const long = ['sqlite', 'mongo'].flatMap((adapter) =>
      modules(adapter)
        .map((name) => ({ file: `${adapter}/${name}`, lines: readFileSync(`${adapters}${adapter}/${name}`, 'utf8').split('\n').length }))
        .filter(({ lines }) => lines > 400),
    );
    expect(long).to.deep.equal([]);
  });
});
