import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { sealAuditEvent, GENESIS_HASH } from '../../engine/kernel/audit-chain.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { auditEvent } from '../../engine/kernel/audit-event.js';

describe('audit events (kernel builder)', () => {
  const clock = new FakeClock('2026-03-02T09:30:00.000Z');

  it('records who, what, which record, when, old → new and why, in the trail\'s order', () => {
    const event = auditEvent(clock, {
      actor: 'carol',
      action: 'task.due-changed',
      target: 'task:t1',
      instanceId: 'i1',
      old: { dueAt: '2026-03-09T00:00:00.000Z' },
      new: { dueAt: '2026-03-16T00:00:00.000Z' },
      reason: 'supplier is closed for a week',
    });
    expect(JSON.stringify(event)).to.equal(
      '{"at":"2026-03-02T09:30:00.000Z","actor":"carol","action":"task.due-changed","target":"task:t1","instanceId":"i1",' +
        '"old":{"dueAt":"2026-03-09T00:00:00.000Z"},"new":{"dueAt":"2026-03-16T00:00:00.000Z"},"reason":"supplier is closed for a week"}',
    );
  });

  it('leaves out what is empty, so an entry says only what happened', () => {
    const event = auditEvent(clock, { actor: 'system', action: 'user.logout', target: 'user:u1', instanceId: '', old: undefined, new: undefined, reason: '' });
    expect(event).to.deep.equal({ at: '2026-03-02T09:30:00.000Z', actor: 'system', action: 'user.logout', target: 'user:u1' });
    expect(Object.keys(event)).to.deep.equal(['at', 'actor', 'action', 'target']);
  });

  it('keeps a null or false old/new value, which says "there was none" or "off"', () => {
    const event = auditEvent(clock, { actor: 'alice', action: 'schedule.updated', target: 'schedule:s1', old: null, new: false });
    expect(event).to.deep.include({ old: null, new: false });
  });

  it('takes its time from the clock unless the change stored its own time', () => {
    expect(auditEvent(clock, { actor: 'a', action: 'x.y', target: 'x:1' }).at).to.equal('2026-03-02T09:30:00.000Z');
    expect(auditEvent(clock, { actor: 'a', action: 'x.y', target: 'x:1', at: '2026-03-01T08:00:00.000Z' }).at).to.equal('2026-03-01T08:00:00.000Z');
    expect(auditEvent(clock, { actor: 'a', action: 'x.y', target: 'x:1', at: new Date('2026-02-28T07:00:00Z') }).at).to.equal('2026-02-28T07:00:00.000Z');
  });

  it('hashes to the same chain entry as the events recorded before the builder was shared', () => {
    // The hash of this entry as the engine's task.completed builder wrote it before the move; a changed shape breaks old chains.
    const event = auditEvent(clock, { actor: 'carol', action: 'task.completed', target: 'task:t1', instanceId: 'i1', old: { status: 'open' }, new: { status: 'completed', data: { severity: 'minor' } } });
    expect(sealAuditEvent(event, 1, GENESIS_HASH).hash).to.equal(PINNED_HASH);
  });
});

const PINNED_HASH = 'ab239a22a01f7e2445c62ad79d335b5f4264d1d2b98e4ab7948fc9eb3866e95b';

describe('audit events are built in one place', () => {
  it('only the kernel\'s builder writes audit entries', () => {
    const ROOTS = ['engine', 'api', 'workers', 'processes', 'scripts'];
    const builder = join('engine', 'kernel', 'audit-event.ts');
    const found: string[] = [];
    for (const root of ROOTS) {
      for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
        const path = join(root, file);
        if (!path.endsWith('.ts') || path === builder) continue;
        const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
        const visit = (node: ts.Node): void => {
          if (ts.isObjectLiteralExpression(node) && !(ts.isCallExpression(node.parent) && node.parent.expression.getText() === 'auditEvent')) {
            const keys = new Set(node.properties.map((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : '')));
            if (keys.has('actor') && keys.has('action') && keys.has('target')) found.push(`${path}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
          }
          if (ts.isMethodDeclaration(node) && node.name.getText() === 'event') found.push(`${path}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} (a private event() builder)`);
          ts.forEachChild(node, visit);
        };
        visit(source);
      }
    }
    expect(found, 'build these with auditEvent() from engine/kernel/audit-event.ts').to.deep.equal([]);
  });
});
