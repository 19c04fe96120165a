import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { availableParallelism } from 'node:os';

/**
 * Password hashing with scrypt (Node's crypto), stored as `scrypt$N$r$p$salt$hash` so the cost can be
 * raised later without breaking old hashes.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

/**
 * Hashes at once, at most one fewer than the cores: a burst of sign-ins (a password-guessing flood) then
 * waits its turn instead of taking every core from the event loop, which keeps answering everyone else.
 */
const MAX_HASHING = Math.max(1, availableParallelism() - 1);
let hashing = 0;
const waiting: (() => void)[] = [];

async function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  if (hashing >= MAX_HASHING) await new Promise<void>((resolve) => waiting.push(resolve));
  else hashing += 1;
  try {
    return await new Promise((resolve, reject) => scryptCallback(password, salt, KEY_LENGTH, { ...options, maxmem: MAX_MEMORY }, (err, key) => (err ? reject(err) : resolve(key))));
  } finally {
    // hand the slot to the next in line, or free it
    const next = waiting.shift();
    if (next) next();
    else hashing -= 1;
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  // Without a stored hash, still spend the time, so timing does not tell which accounts exist.
  const [scheme, N, r, p, salt, hash] = (stored ?? `scrypt$${COST.N}$${COST.r}$${COST.p}$${'A'.repeat(22)}$${'A'.repeat(43)}`).split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const key = await scrypt(String(password).normalize('NFKC'), Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p) });
  const expected = Buffer.from(hash, 'base64url');
  return stored !== undefined && expected.length === key.length && timingSafeEqual(expected, key);
}

/** A few of the passwords every breach list starts with; the length rule catches most of the rest. */
const COMMON = new Set(['password1234', 'passwordpassword', '123456789012', 'qwertyuiopas', 'letmeinletmein', 'welcome12345', 'administrator', 'changemechangeme', 'imsflowimsflow']);

/** Password rules (NIST 800-63B style: length over composition), each problem in words. */
export function passwordProblems(password: unknown, person: { email?: string; name?: string } = {}): string[] {
  if (typeof password !== 'string') return ['is required'];
  const problems: string[] = [];
  if (password.length < 12) problems.push('must be at least 12 characters');
  if (password.length > 256) problems.push('must be at most 256 characters');
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1+$/.test(password)) problems.push('is too common or too simple');
  const local = person.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 3 && lower.includes(local)) problems.push('must not contain your email name');
  for (const part of (person.name ?? '').toLowerCase().split(/\s+/)) {
    if (part.length >= 3 && lower.includes(part)) {
      problems.push('must not contain your name');
      break;
    }
  }
  return problems;
}
