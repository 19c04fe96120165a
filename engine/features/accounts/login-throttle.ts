/**
 * Growing delays for failed sign-ins, instead of a lockout anyone could trigger for a colleague.
 *
 * Failures are counted in buckets, each with a number of free failures; past them, the bucket refuses
 * attempts for a delay that doubles with every further failure, up to a cap. A sign-in is refused while
 * any of its buckets does. The buckets of a sign-in (see Accounts.login):
 *
 * - (email, address): the attacker at one address guessing one account. Only failures from that address
 *   count, so the owner at another address is never slowed by them.
 * - address: one address trying many accounts (password spraying).
 * - email, from every address: a guess spread over many addresses. Looser, and not applied at the
 *   addresses the account last signed in from, so the owner at their usual address still gets in.
 *
 * Buckets are keyed by the email as typed, known account or not: an unknown email is slowed exactly like
 * a real one, so neither the answer nor its delay tells which accounts exist. Counts are kept in memory
 * of the API process (a restart forgets them; the per-address rate limit still holds) and forgotten a
 * while after the last failure.
 */

export interface ThrottlePolicy {
  /** The delay after the first failure past the free ones; each further failure doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A bucket is forgotten this long after its last failure. */
  forgetAfterMs: number;
  /** Most buckets kept; the longest unused go first. */
  maxBuckets: number;
  /** Addresses remembered per account as where its owner signed in. */
  knownAddresses: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { firstDelayMs: 30_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 24 * 3_600_000, maxBuckets: 100_000, knownAddresses: 10 };

/** One counter: its key and how many failures it lets through before delays start. */
export interface Bucket {
  key: string;
  free: number;
}

interface Count {
  failures: number;
  lastFailureAt: number;
}

export class FailureThrottle {
  private readonly counts = new Map<string, Count>();
  private readonly known = new Map<string, string[]>();

  constructor(readonly policy: ThrottlePolicy = DEFAULT_THROTTLE) {}

  /** Until when these buckets refuse attempts; undefined when they let one through now. */
  blockedUntil(buckets: Bucket[], now: number): number | undefined {
    let until = 0;
    for (const bucket of buckets) until = Math.max(until, this.until(bucket, now));
    return until > now ? until : undefined;
  }

  /** Counts a failure in every bucket; returns the failures of the first and until when they now refuse. */
  fail(buckets: Bucket[], now: number): { failures: number; blockedUntil?: number } {
    for (const { key } of buckets) {
      const count = this.current(key, now);
      this.touch(this.counts, key, { failures: (count?.failures ?? 0) + 1, lastFailureAt: now });
    }
    const blockedUntil = this.blockedUntil(buckets, now);
    return { failures: this.counts.get(buckets[0].key)!.failures, ...(blockedUntil && { blockedUntil }) };
  }

  /** A success clears its own bucket (the owner's typos), never the wider ones an attacker fills. */
  succeed(bucket: Bucket): void {
    this.counts.delete(bucket.key);
  }

  /** Remembers where an account signed in, so its global bucket spares that address. */
  remember(account: string, address: string): void {
    const addresses = (this.known.get(account) ?? []).filter((a) => a !== address);
    this.touch(this.known, account, [address, ...addresses].slice(0, this.policy.knownAddresses));
  }

  isKnown(account: string, address: string): boolean {
    return this.known.get(account)?.includes(address) ?? false;
  }

  /** The delay after `failures` failures of a bucket with `free` free ones. */
  delayMs(failures: number, free: number): number {
    if (failures < free) return 0;
    return Math.min(this.policy.maxDelayMs, this.policy.firstDelayMs * 2 ** Math.min(failures - free, 30));
  }

  private until(bucket: Bucket, now: number): number {
    const count = this.current(bucket.key, now);
    return count ? count.lastFailureAt + this.delayMs(count.failures, bucket.free) : 0;
  }

  private current(key: string, now: number): Count | undefined {
    const count = this.counts.get(key);
    if (count && now - count.lastFailureAt > this.policy.forgetAfterMs) {
      this.counts.delete(key);
      return undefined;
    }
    return count;
  }

  /** Sets a value as the most recently used, dropping the least recently used past the bound. */
  private touch<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > this.policy.maxBuckets) map.delete(map.keys().next().value!);
  }
}
