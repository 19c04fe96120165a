import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SqliteStore } from '../../engine/adapters/sqlite/index.js';
import { tellDemoStory, type DemoChapter, type DemoSetting } from '../../engine/features/demo/index.js';
import type { ProcessPack } from '../../engine/packs.js';
import { shippedPacks } from '../../processes/index.js';
import { trainingAcknowledgementPack } from '../../processes/training-acknowledgement/pack.js';
import { seedDemo, type DemoSummary } from '../../scripts/demo.js';

const safetyWalkBpmn = new URL('../fixtures/demo-chapter/safety-walk.bpmn', import.meta.url);

/** A tiny pack with its piece of the demo: a Dublin safety walk, noted by staff, waiting for the quality manager. */
const safetyWalkPack: ProcessPack = {
  key: 'safety-walk',
  businessKeyPrefix: 'WALK',
  ownerRole: 'quality-manager',
  bpmn: { file: 'safety-walk.bpmn', xml: () => readFileSync(safetyWalkBpmn, 'utf8') },
  demo: {
    play(story) {
      const walker = story.person('staff', 'dublin');
      story.start({ daysAgo: 3, time: '08:00' }, 'walk', { process: 'safety-walk', site: 'dublin', by: walker });
      story.complete({ daysAgo: 2, time: '10:30' }, 'walk', { task: 'note', by: walker, data: { observations: 'Fire exit by the goods-in door blocked by pallets.' } });
    },
  },
};

describe('demo chapters: each pack tells its piece of the demo story', () => {
  describe('the demo frame plays the chapters of the packs it is handed', function () {
    // Seeding hashes a dozen passwords with scrypt (in parallel): about a second.
    this.timeout(30_000);
    const now = new Date('2026-12-07T12:00:00Z');
    let dir: string;
    let summary: DemoSummary;
    let store: SqliteStore;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'imsflow-demo-chapters-'));
      // a pack without a chapter (read and understood) beside the one with a chapter
      summary = await seedDemo(dir, { env: {}, now, packs: [trainingAcknowledgementPack, safetyWalkPack] });
      store = new SqliteStore(join(dir, 'imsflow.db'));
      await store.init();
    });
    after(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a new pack with a demo chapter is deployed and its story played, by the people it names, at the times it tells', async () => {
      expect(summary.definitions).to.deep.equal([
        { key: 'safety-walk', version: 1 },
        { key: 'training-acknowledgement', version: 1 },
      ]);
      const [walk] = await store.listInstances({ limit: 100 });
      expect(walk).to.deep.include({ key: 'safety-walk', site: 'dublin', startedBy: 'sean.gallagher', startedAt: '2026-12-04T08:00:00.000Z' });
      const [noted] = await store.listTasks({ instanceId: walk.id, status: 'completed' });
      expect(noted).to.deep.include({ elementId: 'note', completedBy: 'sean.gallagher', completedAt: '2026-12-05T10:30:00.000Z' });
      expect(summary.records).to.deep.equal([{ businessKey: walk.businessKey, process: 'safety-walk', site: 'dublin', stage: 'Review the safety walk', overdue: false, links: [] }]);
    });

    it('a pack without a demo chapter is deployed and has no records; the summary has no nonconformities to show', async () => {
      expect((await store.listInstances({ limit: 100 })).map((i) => i.key)).to.deep.equal(['safety-walk']);
      expect(summary.nonconformities).to.deep.equal([]);
      expect(summary.taskLink).to.equal(undefined);
      expect(await store.listUsers({})).to.have.length(summary.users.length);
    });
  });

  describe('telling the story', () => {
    const setting: DemoSetting = {
      people: [
        { id: 'qm.dublin', name: 'QM Dublin', roles: ['quality-manager'], sites: ['dublin'] },
        { id: 'staff.one', name: 'Staff One', roles: ['staff'], sites: ['dublin'] },
        { id: 'staff.two', name: 'Staff Two', roles: ['staff'], sites: ['dublin'] },
      ],
      sites: ['dublin'],
      seeder: 'demo-seed',
    };
    const at = { daysAgo: 1, time: '09:00' };
    const finder: DemoChapter = {
      play(story) {
        story.start(at, 'finding', { process: 'finder', site: 'dublin', by: story.person('staff', 'dublin', 2) });
        story.leave('finder:raised', 'finding/1');
      },
    };
    const fixer: DemoChapter = {
      after: ['finder'],
      play(story) {
        const raised = story.take('finder:raised');
        if (raised) story.complete(at, raised, { task: 'fix', by: story.person('quality-manager', 'dublin'), data: {} });
      },
    };

    it('a chapter that takes records is told after the chapter that leaves them, whatever order the packs come in', () => {
      const events = tellDemoStory([{ key: 'fixer', demo: fixer }, { key: 'quiet' }, { key: 'finder', demo: finder }], setting);
      expect(events.map((e) => [e.pack, e.record, e.start?.by ?? e.complete?.by])).to.deep.equal([
        ['finder', 'finding', 'staff.two'],
        ['fixer', 'finding/1', 'qm.dublin'],
      ]);
    });

    it('a chapter whose source pack is not handed in finds nothing left for it and tells nothing of it', () => {
      expect(tellDemoStory([{ key: 'fixer', demo: fixer }], setting)).to.deep.equal([]);
    });

    it('chapters that wait on each other, or ask for someone the organization lacks, are refused with a message', () => {
      const circular = (key: string, other: string) => ({ key, demo: { after: [other], play: () => undefined } });
      expect(() => tellDemoStory([circular('a', 'b'), circular('b', 'a')], setting)).to.throw('the demo chapters wait on each other: a, b');
      const auditor = { key: 'audit', demo: { play: (story: Parameters<DemoChapter['play']>[0]) => void story.person('auditor', 'basel') } };
      expect(() => tellDemoStory([auditor], setting)).to.throw('the demo organization has no auditor at basel (chapter audit)');
    });

    it('every shipped pack but read-and-understood tells a piece of the demo', () => {
      expect(shippedPacks.filter((pack) => !pack.demo).map((pack) => pack.key)).to.deep.equal(['training-acknowledgement']);
    });
  });
});
