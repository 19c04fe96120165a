import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where an outgoing request (a webhook) may point: never at the site's own network. One table of refused
 * ranges, IPv4 and IPv6, each with the reason a person reads; ranges may nest, the longest prefix names
 * the reason. IPv6 addresses that carry an IPv4 address (mapped, compatible, translated, NAT64, 6to4,
 * Teredo) are decoded and the IPv4 address is checked against the same table, so `[::127.0.0.1]` or a DNS
 * answer `64:ff9b::a00:1` cannot reach what `127.0.0.1` and `10.0.0.1` may not. Only global unicast
 * IPv6 (2000::/3) and public IPv4 pass, unless the address is on the allow-list.
 */

export interface RefusedRange {
  range: string;
  /** Completes "<address> is a … address". */
  reason: string;
}

export const REFUSED_RANGES: readonly RefusedRange[] = [
  { range: '0.0.0.0/8', reason: 'this-network' },
  { range: '10.0.0.0/8', reason: 'private' },
  { range: '100.64.0.0/10', reason: 'shared (CGNAT)' },
  { range: '127.0.0.0/8', reason: 'loopback' },
  { range: '169.254.0.0/16', reason: 'link-local' }, // cloud metadata services live here
  { range: '172.16.0.0/12', reason: 'private' },
  { range: '192.0.0.0/24', reason: 'IETF protocol' },
  { range: '192.0.2.0/24', reason: 'documentation' },
  { range: '192.88.99.0/24', reason: '6to4 relay' },
  { range: '192.168.0.0/16', reason: 'private' },
  { range: '198.18.0.0/15', reason: 'benchmarking' },
  { range: '198.51.100.0/24', reason: 'documentation' },
  { range: '203.0.113.0/24', reason: 'documentation' },
  { range: '224.0.0.0/4', reason: 'multicast' },
  { range: '240.0.0.0/4', reason: 'reserved' }, // and 255.255.255.255, broadcast
  // IPv6 outside global unicast (2000::/3) is reserved; the named ranges inside it say more
  { range: '::/8', reason: 'reserved' },
  { range: '::/128', reason: 'unspecified' },
  { range: '::1/128', reason: 'loopback' },
  { range: '64:ff9b:1::/48', reason: 'local-use NAT64' },
  { range: '100::/8', reason: 'reserved' },
  { range: '100::/64', reason: 'discard-only' },
  { range: '200::/7', reason: 'reserved' },
  { range: '400::/6', reason: 'reserved' },
  { range: '800::/5', reason: 'reserved' },
  { range: '1000::/4', reason: 'reserved' },
  { range: '2001:2::/48', reason: 'benchmarking' },
  { range: '2001:db8::/32', reason: 'documentation' },
  { range: '3fff::/20', reason: 'documentation' },
  { range: '4000::/2', reason: 'reserved' },
  { range: '8000::/1', reason: 'reserved' },
  { range: 'fc00::/7', reason: 'unique-local' },
  { range: 'fe80::/10', reason: 'link-local' },
  { range: 'fec0::/10', reason: 'site-local' },
  { range: 'ff00::/8', reason: 'multicast' },
];

/** IPv6 forms that carry an IPv4 address, and where in the 16 bytes it sits. */
interface Embedding {
  form: string;
  prefix: Uint8Array;
  bits: number;
  ipv4s: (bytes: Uint8Array) => Uint8Array[];
  /** Deprecated forms no receiver uses: refused whatever they carry. */
  deprecated?: boolean;
}

const last4 = (bytes: Uint8Array) => [bytes.subarray(12, 16)];
const EMBEDDINGS: Embedding[] = [
  { form: 'IPv4-mapped', prefix: bytesOf('::ffff:0:0'), bits: 96, ipv4s: last4 },
  { form: 'IPv4-compatible', prefix: bytesOf('::'), bits: 96, ipv4s: last4, deprecated: true },
  { form: 'IPv4-translated', prefix: bytesOf('::ffff:0:0:0'), bits: 96, ipv4s: last4, deprecated: true },
  { form: 'NAT64', prefix: bytesOf('64:ff9b::'), bits: 96, ipv4s: last4 },
  { form: '6to4', prefix: bytesOf('2002::'), bits: 16, ipv4s: (b) => [b.subarray(2, 6)] },
  // Teredo: the server's address, and the client's with every bit inverted
  { form: 'Teredo', prefix: bytesOf('2001::'), bits: 32, ipv4s: (b) => [b.subarray(4, 8), b.subarray(12, 16).map((x) => ~x & 255)] },
];

const COMPILED = REFUSED_RANGES.map((r) => {
  const [network, bits] = r.range.split('/');
  return { ...r, network: bytesOf(network), bits: Number(bits) };
});

/** Why an address may not be a target: the range it is in, or the IPv4 address it carries and why. */
export interface AddressProblem {
  address: string;
  notAnAddress?: boolean;
  range?: RefusedRange;
  carried?: { ipv4: string; form: string };
  deprecated?: boolean;
}

/** An allow-list from `127.0.0.1, 10.0.0.0/8, ::1`; throws naming the entry that is no address or range. */
export function parseAllowList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries.map((e) => e.trim()).filter(Boolean)) {
    const [address, prefix] = raw.split('/');
    const family = isIP(address);
    if (!family) throw new Error(`"${raw}" is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new Error(`"${raw}" has an invalid prefix length`);
      list.addSubnet(address, bits, type);
    }
  }
  return list;
}

/** Why `address` may not be a target, or undefined when it may (public, or on the allow-list). */
export function addressProblem(address: string, allow: BlockList): AddressProblem | undefined {
  const unbracketed = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // A zone (`fe80::1%eth0`) is not part of the address.
  const zone = unbracketed.indexOf('%');
  const plain = zone === -1 ? unbracketed : unbracketed.slice(0, zone);
  const family = isIP(plain);
  if (!family) return { address, notAnAddress: true };
  if (allow.check(plain, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
  const bytes = bytesOf(plain);
  const hit = refusedRangeOf(bytes);
  const embedding = family === 6 ? EMBEDDINGS.find((e) => inPrefix(bytes, e.prefix, e.bits)) : undefined;
  if (embedding && (!hit || hit.bits <= embedding.bits)) {
    for (const carried of embedding.ipv4s(bytes)) {
      const ipv4 = carried.join('.');
      // an IPv4-mapped address is the IPv4 address itself to the socket: the allow-list speaks for it
      if (embedding.form === 'IPv4-mapped' && allow.check(ipv4, 'ipv4')) continue;
      const range = refusedRangeOf(carried);
      if (range) return { address, carried: { ipv4, form: embedding.form }, range: { range: range.range, reason: range.reason } };
      if (embedding.deprecated) return { address, carried: { ipv4, form: embedding.form }, deprecated: true };
    }
    return undefined;
  }
  return hit ? { address, range: { range: hit.range, reason: hit.reason } } : undefined;
}

/**
 * In words: "127.0.0.1 is a loopback address (127.0.0.0/8)", "::7f00:1 carries 127.0.0.1
 * (IPv4-compatible), a loopback address (127.0.0.0/8)"; for a DNS answer, "<name> resolves to 127.0.0.1,
 * a loopback address (…)" and "<name> resolves to ::ffff:7f00:1, which carries …".
 */
export function describeProblem(problem: AddressProblem, resolvedFrom?: string): string {
  const subject = resolvedFrom ? `${resolvedFrom} resolves to ${problem.address},` : problem.address;
  if (problem.notAnAddress) return `${subject} ${resolvedFrom ? 'which ' : ''}is not an IP address`;
  const what = problem.deprecated ? 'a deprecated form no receiver uses' : `${article(problem.range!.reason)} ${problem.range!.reason} address (${problem.range!.range})`;
  if (problem.carried) return `${subject} ${resolvedFrom ? 'which ' : ''}carries ${problem.carried.ipv4} (${problem.carried.form}), ${what}`;
  return resolvedFrom ? `${subject} ${what}` : `${subject} is ${what}`;
}

export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Every address a name resolves to (the system resolver, as connections use it). */
export const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true });

/**
 * A `lookup` for http(s).request that refuses a name when any address it resolves to is refused: checked
 * at every connection, so a name cannot be pointed inward after the subscription was saved. `hint` says
 * how to allow an address, after the reason.
 */
export function guardedLookup(allow: BlockList, resolve: Resolve = systemResolve, hint?: string) {
  return (hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: any[]) => void): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
    resolve(hostname).then(
      (found) => {
        const addresses = found.filter((a) => !family || a.family === family);
        if (!addresses.length) return callback(Object.assign(new Error(`${hostname} does not resolve to an address`), { code: 'ENOTFOUND' }));
        const refused = addresses.map((a) => addressProblem(a.address, allow)).find(Boolean);
        if (refused) return callback(Object.assign(new Error(`refused: ${describeProblem(refused, hostname)}${hint ? ` (${hint})` : ''}`), { code: 'EWEBHOOKTARGET' }));
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      },
      (err: unknown) => callback(err),
    );
  };
}

// ---- addresses as bytes ----------------------------------------------------------------------------------

function article(word: string): string {
  return /^(?:[aeio]|un(?!i))/i.test(word) ? 'an' : 'a';
}

function refusedRangeOf(bytes: Uint8Array): (typeof COMPILED)[number] | undefined {
  let best: (typeof COMPILED)[number] | undefined;
  for (const range of COMPILED) {
    if (range.network.length === bytes.length && inPrefix(bytes, range.network, range.bits) && (!best || range.bits > best.bits)) best = range;
  }
  return best;
}

function inPrefix(bytes: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  if (bytes.length !== prefix.length) return false;
  for (let i = 0; i < bits; i += 8) {
    const mask = bits - i >= 8 ? 255 : (0xff00 >> (bits - i)) & 255;
    if ((bytes[i / 8] & mask) !== (prefix[i / 8] & mask)) return false;
  }
  return true;
}

/** The 4 or 16 bytes of a valid IP address (as `isIP` accepts it, without a zone). */
function bytesOf(address: string): Uint8Array {
  if (isIP(address) === 4) return Uint8Array.from(address.split('.').map(Number));
  let text = address.toLowerCase();
  // An IPv6 address may end in dotted IPv4 (`::ffff:127.0.0.1`): after its last colon.
  const lastColon = text.lastIndexOf(':');
  const tailText = text.slice(lastColon + 1);
  if (tailText.includes('.')) {
    const [a, b, c, d] = tailText.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 255;
  });
  return bytes;
}
