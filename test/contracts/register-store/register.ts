/** RegisterStore contract: entries land with their record, and the register finds, filters, sorts and pages them. */
import { expect } from 'chai';
import { RevisionConflict } from '../../../engine/kernel/errors.js';
import type { RegisterEntry, RegisterQuery } from '../../../engine/ports/register-store.js';
import { at, instance, rejection, task, type StoreSuite } from '../support.js';

function entry(id: string, o: Partial<RegisterEntry> = {}): RegisterEntry {
  return { instanceId: id, process: 'capa', businessKey: `CAPA-2026-${id}`, title: null, site: null, status: 'running', startedAt: at(0), startedBy: 'alice', endedAt: null, text: '', links: [], ...o };
}

export function registerContract(suite: StoreSuite): void {
  const keys = async (query: RegisterQuery = {}) => (await suite.store.searchRegister({ sort: 'number', direction: 'asc', ...query })).rows.map((r) => r.businessKey);
  const save = (entries: RegisterEntry[]) => suite.store.commit({ linkedInstances: entries.map((e) => instance(e.instanceId, { businessKey: e.businessKey })), registerEntries: entries, audit: [] });

  describe('entries saved with their record', function () {
    it('saves an entry with its record and replaces it when the record is saved again', async function () {
      await suite.store.commit({ instance: { record: instance('r1'), expectedRevision: null }, registerEntries: [entry('r1', { title: 'Leaking valve' })], audit: [] });
      await suite.store.commit({ instance: { record: instance('r1', { revision: 2 }), expectedRevision: 1 }, registerEntries: [entry('r1', { title: 'Leaking valve', status: 'completed', endedAt: at(60) })], audit: [] });
      const page = await suite.store.searchRegister({});
      expect(page.total).to.equal(1);
      expect(page.rows).to.deep.equal([{ instanceId: 'r1', process: 'capa', businessKey: 'CAPA-2026-r1', title: 'Leaking valve', site: null, status: 'completed', startedAt: at(0), startedBy: 'alice', endedAt: at(60), nextDueAt: null }]);
    });

    it('writes no entry when the commit fails', async function () {
      await suite.store.commit({ instance: { record: instance('r1'), expectedRevision: null }, registerEntries: [entry('r1', { title: 'first' })], audit: [] });
      await rejection(suite.store.commit({ instance: { record: instance('r1', { revision: 2 }), expectedRevision: 7 }, registerEntries: [entry('r1', { title: 'second' })], audit: [] }), RevisionConflict);
      expect((await suite.store.searchRegister({})).rows.map((r) => r.title)).to.deep.equal(['first']);
      expect(await keys({ search: 'second' })).to.deep.equal([]);
    });
  });

  describe('search', function () {
    beforeEach(async function () {
      await save([
        entry('0001', { title: 'Leaking valve on line 3', text: 'Operator saw oil under the pump' }),
        entry('0002', { title: 'Wrong label', text: 'Batch 4711 labelled with the Zürich address' }),
        entry('0003', { title: 'Calibration overdue', text: 'Balance B-12 not calibrated' }),
      ]);
    });

    it('finds records by a word of their data, title or number, whatever the case and accents', async function () {
      expect(await keys({ search: 'pump' })).to.deep.equal(['CAPA-2026-0001']);
      expect(await keys({ search: 'VALVE' })).to.deep.equal(['CAPA-2026-0001']);
      expect(await keys({ search: 'zurich' })).to.deep.equal(['CAPA-2026-0002']);
      expect(await keys({ search: 'CAPA-2026-0003' })).to.deep.equal(['CAPA-2026-0003']);
    });

    it('matches the beginnings of words, and needs every word', async function () {
      expect(await keys({ search: 'calib' })).to.deep.equal(['CAPA-2026-0003']);
      expect(await keys({ search: 'batch 4711' })).to.deep.equal(['CAPA-2026-0002']);
      expect(await keys({ search: 'batch pump' })).to.deep.equal([]);
    });

    it('takes quotes and operators as plain text', async function () {
      expect(await keys({ search: '"pump' })).to.deep.equal(['CAPA-2026-0001']);
      expect(await keys({ search: 'pump OR label*' })).to.deep.equal([]);
      expect(await keys({ search: '- ( )' })).to.have.length(3);
    });
  });

  describe('filters', function () {
    beforeEach(async function () {
      await save([
        entry('0001', { process: 'capa', site: 'A', status: 'running', startedAt: at(-3 * 1440), startedBy: 'alice', links: ['AUD-2026-0001'] }),
        entry('0002', { process: 'nonconformity', site: 'B', status: 'completed', startedAt: at(-2 * 1440), endedAt: at(-1440), startedBy: 'bob' }),
        entry('0003', { process: 'capa', site: null, status: 'incident', startedAt: at(-1440), startedBy: 'bob' }),
        entry('0004', { process: 'capa', site: 'B', status: 'cancelled', startedAt: at(0), endedAt: at(10), startedBy: 'carol' }),
      ]);
      await suite.store.commit({
        tasks: [
          { record: task('t1', { instanceId: '0001', assignee: 'dora', dueAt: at(-60) }), expectedRevision: null },
          { record: task('t2', { instanceId: '0003', candidateRole: 'quality-manager', dueAt: at(600) }), expectedRevision: null },
          { record: task('t3', { instanceId: '0002', status: 'completed', assignee: 'erin', completedBy: 'erin', completedAt: at(-1440) }), expectedRevision: null },
        ],
        audit: [],
      });
    });

    it('filters by process, status and site (site-less records only when asked)', async function () {
      expect(await keys({ processes: ['capa'] })).to.deep.equal(['CAPA-2026-0001', 'CAPA-2026-0003', 'CAPA-2026-0004']);
      expect(await keys({ statuses: ['incident', 'completed'] })).to.deep.equal(['CAPA-2026-0002', 'CAPA-2026-0003']);
      expect(await keys({ sites: { in: ['B'], orNone: false } })).to.deep.equal(['CAPA-2026-0002', 'CAPA-2026-0004']);
      expect(await keys({ sites: { in: ['B'], orNone: true } })).to.deep.equal(['CAPA-2026-0002', 'CAPA-2026-0003', 'CAPA-2026-0004']);
    });

    it('filters by owner and overdue from the open tasks', async function () {
      expect(await keys({ owner: 'dora' })).to.deep.equal(['CAPA-2026-0001']);
      expect(await keys({ owner: 'erin' })).to.deep.equal([]);
      expect(await keys({ overdueAt: at(0) })).to.deep.equal(['CAPA-2026-0001']);
      expect(await keys({ overdueAt: at(1000) })).to.deep.equal(['CAPA-2026-0001', 'CAPA-2026-0003']);
    });

    it('filters by opened and closed periods, and by a linked record', async function () {
      expect(await keys({ openedFrom: at(-2 * 1440), openedBefore: at(0) })).to.deep.equal(['CAPA-2026-0002', 'CAPA-2026-0003']);
      expect(await keys({ closedFrom: at(-1440), closedBefore: at(1) })).to.deep.equal(['CAPA-2026-0002']);
      expect(await keys({ linkedTo: 'AUD-2026-0001' })).to.deep.equal(['CAPA-2026-0001']);
    });

    it('keeps to the records a person is involved in: started, held (also by role) or completed', async function () {
      expect(await keys({ involving: { userId: 'carol', roles: ['staff'] } })).to.deep.equal(['CAPA-2026-0004']);
      expect(await keys({ involving: { userId: 'dora', roles: ['staff'] } })).to.deep.equal(['CAPA-2026-0001']);
      expect(await keys({ involving: { userId: 'erin', roles: ['staff'] } })).to.deep.equal(['CAPA-2026-0002']);
      expect(await keys({ involving: { userId: 'fay', roles: ['quality-manager'] } })).to.deep.equal(['CAPA-2026-0003']);
    });

    it('sorts by number, opened, status and due date (nothing due last), both ways', async function () {
      expect(await keys({ sort: 'number', direction: 'desc' })).to.deep.equal(['CAPA-2026-0004', 'CAPA-2026-0003', 'CAPA-2026-0002', 'CAPA-2026-0001']);
      expect(await keys({ sort: 'opened', direction: 'desc' })).to.deep.equal(['CAPA-2026-0004', 'CAPA-2026-0003', 'CAPA-2026-0002', 'CAPA-2026-0001']);
      expect(await keys({ sort: 'status', direction: 'asc' })).to.deep.equal(['CAPA-2026-0004', 'CAPA-2026-0002', 'CAPA-2026-0003', 'CAPA-2026-0001']);
      expect((await keys({ sort: 'due', direction: 'asc' })).slice(0, 2)).to.deep.equal(['CAPA-2026-0001', 'CAPA-2026-0003']);
      expect((await keys({ sort: 'due', direction: 'desc' })).slice(0, 2)).to.deep.equal(['CAPA-2026-0003', 'CAPA-2026-0001']);
      const [first] = (await suite.store.searchRegister({ sort: 'due', direction: 'asc' })).rows;
      expect(first.nextDueAt).to.equal(at(-60));
    });

    it('pages without repeating or skipping, with the total of all pages', async function () {
      const seen: string[] = [];
      for (let offset = 0; offset < 4; offset += 3) {
        const page = await suite.store.searchRegister({ sort: 'opened', limit: 3, offset });
        expect(page.total).to.equal(4);
        seen.push(...page.rows.map((r) => r.businessKey));
      }
      expect(seen).to.deep.equal(['CAPA-2026-0004', 'CAPA-2026-0003', 'CAPA-2026-0002', 'CAPA-2026-0001']);
    });
  });

  describe('rebuilt', function () {
    it('has no version before the first build, clears on request, and forgets the version when records are restored', async function () {
      expect(await suite.store.registerVersion()).to.equal(undefined);
      await suite.store.rebuildRegister([entry('a', { title: 'apple' }), entry('b', { title: 'banana' })]);
      await suite.store.rebuildRegister([entry('c', { title: 'cherry' })], { clear: true, version: 'v1' });
      expect(await suite.store.registerVersion()).to.equal('v1');
      expect(await keys()).to.deep.equal(['CAPA-2026-c']);
      expect(await keys({ search: 'apple' })).to.deep.equal([]);
      await suite.store.importRecords('instances', [instance('restored')]);
      expect(await suite.store.registerVersion()).to.equal(undefined);
    });
  });
}
