import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { LINK_REFUSAL_REASONS, TaskLinkSigner, resolveLink } from '../../../engine/features/task-links/index.js';
import type { LinkTokenRecord, TaskRecord, UserRecord } from '../../../engine/kernel/model.js';
import { count, expand, oddText, type Recipe } from '../recipe.js';
import { demand, type FuzzTarget } from '../target.js';

/**
 * Signed task links (engine/features/task-links/task-links.ts): TaskLinkSigner.verify and resolveLink against the link-token records
 * of one open task. The server issued five tokens: one that works and four that are expired, used,
 * revoked, or for a closed task. Inputs are those tokens tampered with: characters changed, truncated,
 * extended, split, claims rewritten and re-signed with a wrong key or (as only the server could) with the
 * right one, random and huge text. Demands: only an issued token is answered as its record says; anything
 * else is refused with one of the link refusals, never accepted, never an exception. A token the server
 * itself signed for claims it never issued is refused as `unknown` unless its claims name the open record.
 */

const SECRET = Buffer.alloc(32, 7);
const WRONG_KEYS = [Buffer.alloc(32, 8), Buffer.alloc(64, 7), Buffer.concat([SECRET, Buffer.from([0])])];
const NOW = Date.parse('2026-05-04T07:00:00Z');
const DAY = 86_400_000;
const signer = new TaskLinkSigner(SECRET);

const record = (id: string, taskId: string, extra: Partial<LinkTokenRecord> = {}): LinkTokenRecord => ({
  id,
  taskId,
  userId: 'qm1',
  createdAt: new Date(NOW - DAY).toISOString(),
  expiresAt: new Date(NOW + 30 * DAY).toISOString(),
  ...extra,
});
const RECORDS: Record<string, LinkTokenRecord> = {
  valid: record('tok-valid', 'task-open'),
  expired: record('tok-expired', 'task-open', { expiresAt: new Date(NOW - 1).toISOString() }),
  used: record('tok-used', 'task-open', { usedAt: new Date(NOW - DAY / 2).toISOString() }),
  revoked: record('tok-revoked', 'task-open', { revokedAt: new Date(NOW - DAY / 2).toISOString(), revokedReason: 'reassigned' }),
  closed: record('tok-closed', 'task-done'),
};
const TASKS = {
  'task-open': { id: 'task-open', status: 'open', assignee: 'qm1', candidateRole: 'quality-manager' },
  'task-done': { id: 'task-done', status: 'completed', assignee: 'qm1', candidateRole: 'quality-manager' },
} as unknown as Record<string, TaskRecord>;
/** The links' person: active, of every site, holding the open task (so a link is refused for the token alone). */
const PERSON = { id: 'qm1', name: 'Quinn Manager', email: 'qm1@example.com', roles: ['quality-manager'], sites: [], active: true } as unknown as UserRecord;
/** The narrow store resolveLink reads (as test/features/links/links.test.ts gives it): records and tasks of this target only. */
const store = {
  getLinkToken: async (id: string) => Object.values(RECORDS).find((r) => r.id === id),
  getTask: async (id: string) => (Object.hasOwn(TASKS, id) ? TASKS[id] : undefined),
  getUser: async (id: string) => (id === PERSON.id ? PERSON : undefined),
};
/** Every reason a link may be refused for, including those about its person. */
const REFUSALS = new Set<string>(LINK_REFUSAL_REASONS);
const ISSUED = new Map<string, LinkTokenRecord>(Object.values(RECORDS).map((r) => [signer.sign(r), r]));
const TOKENS = [...ISSUED.keys()];

type Claims = { i: unknown; t: unknown; u: unknown; e: unknown };
type Edit =
  | { kind: 'change'; at: number; to: string }
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'resign'; claims: Claims; key: number }
  | { kind: 'forge'; claims: Claims }
  | { kind: 'swapMac'; from: number };

export interface LinkInput {
  /** Which issued token is the starting point. */
  token: number;
  edits: Edit[];
  /** Text instead of a token, when set: random and huge inputs. */
  text?: Recipe;
  /** Milliseconds after NOW at which the link is opened. */
  later: number;
}

const claimValue = fc.oneof(fc.constantFrom<unknown>('tok-valid', 'tok-expired', 'task-open', 'task-done', 'qm1', 'eve', '', '2099-01-01T00:00:00Z', 'not a date', null, 1, ['tok-valid'], { $ne: null }, '__proto__'), oddText(3));
const claims: fc.Arbitrary<Claims> = fc.record({ i: claimValue, t: claimValue, u: claimValue, e: claimValue });
const TOKEN_CHARACTERS = ['.', '=', '+', '/', '-', '_', 'A', 'a', '0', '%2E', ' ', '\u0000', 'é', '\ud800'];
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('change' as const), at: fc.nat(), to: fc.oneof(fc.constantFrom(...TOKEN_CHARACTERS), fc.string({ minLength: 1, maxLength: 1 })) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...TOKEN_CHARACTERS), oddText(3)) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('resign' as const), claims, key: fc.nat(WRONG_KEYS.length - 1) }),
  fc.record({ kind: fc.constant('forge' as const), claims }),
  fc.record({ kind: fc.constant('swapMac' as const), from: fc.nat(TOKENS.length - 1) }),
);

const encode = (claims: Claims) => Buffer.from(JSON.stringify(claims)).toString('base64url');
/** The MAC a link carries (HMAC-SHA256, base64url), made with any key: the attacker knows the format. */
const macWith = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest('base64url');

function applyEdits(token: string, edits: Edit[]): string {
  for (const e of edits) {
    const at = 'at' in e ? e.at % (token.length + 1) : 0;
    if (e.kind === 'change') token = token.slice(0, at) + e.to + token.slice(at + 1);
    else if (e.kind === 'cut') token = token.slice(0, at) + token.slice(at + e.length);
    else if (e.kind === 'insert') token = token.slice(0, at) + e.text + token.slice(at);
    else if (e.kind === 'truncate') token = token.slice(0, at);
    else if (e.kind === 'resign') token = `${encode(e.claims)}.${macWith(WRONG_KEYS[e.key], encode(e.claims))}`;
    else if (e.kind === 'forge') token = `${encode(e.claims)}.${macWith(SECRET, encode(e.claims))}`;
    else token = `${token.split('.')[0]}.${TOKENS[e.from].split('.')[1] ?? ''}`;
  }
  return token;
}

export const linksTarget: FuzzTarget<LinkInput> = {
  name: 'links',
  about: 'engine/features/task-links/task-links.ts TaskLinkSigner.verify and resolveLink on issued tokens tampered with, re-signed, forged, random and huge',
  arbitrary: () =>
    fc.record(
      {
        token: fc.nat(TOKENS.length - 1),
        edits: fc.array(edit, { maxLength: 3 }),
        text: fc.array(fc.oneof(fc.constantFrom(...TOKEN_CHARACTERS, ...TOKENS), fc.string({ maxLength: 8 }), fc.oneof(fc.tuple(fc.constantFrom('.', 'a', 'é', '.a'), count(1_000_000)), fc.tuple(fc.constant(TOKENS[0]), count(10_000))).map(([repeat, times]) => ({ repeat, times }))), { maxLength: 4 }),
        later: fc.oneof(fc.constant(0), fc.integer({ min: -DAY, max: 60 * DAY })),
      },
      { requiredKeys: ['token', 'edits', 'later'] },
    ),
  async run(input) {
    const token = input.text ? expand(input.text) : applyEdits(TOKENS[input.token], input.edits);
    const now = new Date(NOW + input.later);
    const verified = signer.verify(token);
    const resolved = await resolveLink(signer, store, now, token);
    const issued = ISSUED.get(token);
    if (!resolved.ok) demand(REFUSALS.has(resolved.reason), `refused with "${resolved.reason}", which is no link refusal`);
    if (issued === undefined) {
      if (verified.ok) {
        // only the server's own key can sign: it must at least name an issued record to open anything
        const { tokenId, taskId, userId } = verified.claims;
        const opens = tokenId === RECORDS.valid.id && taskId === RECORDS.valid.taskId && userId === RECORDS.valid.userId;
        demand(!resolved.ok || opens, `a token signed for claims never issued opened a task: ${token.slice(0, 120)}`);
        return `forged: ${resolved.ok ? 'ok' : resolved.reason}`;
      }
      demand(!resolved.ok, `a token that was not issued opened the task: ${token.slice(0, 120)}`);
      demand(['malformed', 'tampered'].includes(resolved.reason), `an unsigned token was refused as "${resolved.reason}" rather than malformed or tampered`);
      return `mutated: ${resolved.reason}`;
    }
    demand(verified.ok, 'an issued token does not verify');
    const want = issued.usedAt ? 'used' : issued.revokedAt ? 'revoked' : Date.parse(issued.expiresAt) <= now.getTime() ? 'expired' : TASKS[issued.taskId].status !== 'open' ? 'closed' : 'ok';
    const got = resolved.ok ? 'ok' : resolved.reason;
    demand(got === want, `an issued token opened as "${got}", not "${want}"`);
    return `issued: ${got}`;
  },
};
