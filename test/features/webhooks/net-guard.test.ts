import { expect } from 'chai';
import { addressProblem, describeProblem, guardedLookup, parseAllowList, REFUSED_RANGES } from '../../../engine/features/webhooks/index.js';

/**
 * Where a webhook may point (engine/features/webhooks/net-guard.ts): one table of refused ranges, each with its reason, and
 * IPv4 carried inside IPv6 (mapped, compatible, translated, NAT64, 6to4, Teredo) decoded and checked
 * against the IPv4 table. Each range is tested on its first and last address and just outside it, from a
 * list kept here (not read from the table under test, so dropping a range fails a test).
 */

const NONE = parseAllowList([]);
const reasonOf = (address: string, allow = NONE) => {
  const problem = addressProblem(address, allow);
  return problem && describeProblem(problem);
};

/**
 * [range, reason words, addresses inside (first, last, …), addresses just outside it]. Ranges overlap (the
 * IPv6 space outside global unicast 2000::/3 is reserved, with named ranges inside): the longest prefix
 * gives the reason, so an address outside may still be refused, for another range's reason.
 */
const RANGES: [string, string, string[], string[]][] = [
  ['0.0.0.0/8', 'this-network', ['0.0.0.0', '0.255.255.255'], ['1.0.0.0']],
  ['10.0.0.0/8', 'private', ['10.0.0.0', '10.1.2.3', '10.255.255.255'], ['9.255.255.255', '11.0.0.0']],
  ['100.64.0.0/10', 'shared (CGNAT)', ['100.64.0.0', '100.127.255.255'], ['100.63.255.255', '100.128.0.0']],
  ['127.0.0.0/8', 'loopback', ['127.0.0.1', '127.255.255.255'], ['126.255.255.255', '128.0.0.0']],
  ['169.254.0.0/16', 'link-local', ['169.254.0.0', '169.254.169.254', '169.254.255.255'], ['169.253.255.255', '169.255.0.0']],
  ['172.16.0.0/12', 'private', ['172.16.0.0', '172.31.255.255'], ['172.15.255.255', '172.32.0.0']],
  ['192.0.0.0/24', 'IETF protocol', ['192.0.0.0', '192.0.0.255'], ['191.255.255.255', '192.0.1.0']],
  ['192.0.2.0/24', 'documentation', ['192.0.2.0', '192.0.2.255'], ['192.0.1.255', '192.0.3.0']],
  ['192.88.99.0/24', '6to4 relay', ['192.88.99.0', '192.88.99.255'], ['192.88.98.255', '192.88.100.0']],
  ['192.168.0.0/16', 'private', ['192.168.0.0', '192.168.1.20', '192.168.255.255'], ['192.167.255.255', '192.169.0.0']],
  ['198.18.0.0/15', 'benchmarking', ['198.18.0.0', '198.19.255.255'], ['198.17.255.255', '198.20.0.0']],
  ['198.51.100.0/24', 'documentation', ['198.51.100.0', '198.51.100.255'], ['198.51.99.255', '198.51.101.0']],
  ['203.0.113.0/24', 'documentation', ['203.0.113.0', '203.0.113.255'], ['203.0.112.255', '203.0.114.0']],
  ['224.0.0.0/4', 'multicast', ['224.0.0.0', '239.255.255.255'], ['223.255.255.255']],
  ['240.0.0.0/4', 'reserved', ['240.0.0.0', '255.255.255.255'], []],
  ['::/8', 'reserved', ['1::', 'ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['100::1:0:0:0:1']],
  ['::/128', 'unspecified', ['::'], []],
  ['::1/128', 'loopback', ['::1', '0:0:0:0:0:0:0:1'], []],
  ['64:ff9b:1::/48', 'local-use NAT64', ['64:ff9b:1::', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff'], ['64:ff9b:0:ffff:ffff:ffff:ffff:ffff', '64:ff9b:2::']],
  ['100::/8', 'reserved', ['100:1::', '1ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['100::1']],
  ['100::/64', 'discard-only', ['100::', '100::ffff:ffff:ffff:ffff'], ['100:0:0:1::']],
  ['200::/7', 'reserved', ['200::', '3ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], []],
  ['400::/6', 'reserved', ['400::', '7ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], []],
  ['800::/5', 'reserved', ['800::', 'fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], []],
  ['1000::/4', 'reserved', ['1000::', '1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['2000::1']],
  ['2001:2::/48', 'benchmarking', ['2001:2::', '2001:2:0:ffff:ffff:ffff:ffff:ffff'], ['2001:3::']],
  ['2001:db8::/32', 'documentation', ['2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'], ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db9::']],
  ['3fff::/20', 'documentation', ['3fff::', '3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff'], ['3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '3fff:1000::']],
  ['4000::/2', 'reserved', ['4000::', '7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['8000::/1', 'reserved', ['8000::', 'fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['fc00::/7', 'unique-local', ['fc00::', 'fd00::5', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe00::']],
  ['fe80::/10', 'link-local', ['fe80::', 'fe80::1%eth0', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['fec0::/10', 'site-local', ['fec0::', 'fec0::1', 'feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['ff00::/8', 'multicast', ['ff00::', 'ff02::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
];

/** [form, address carrying 127.0.0.1 or 10.0.0.1, the same form carrying a public address (allowed)]. */
const EMBEDDED: [string, string[], string | undefined][] = [
  ['IPv4-mapped', ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1', '::FFFF:10.0.0.1'], '::ffff:8.8.8.8'],
  ['IPv4-compatible', ['::127.0.0.1', '::7f00:1', '::10.0.0.1'], undefined],
  ['IPv4-translated', ['::ffff:0:7f00:1', '::ffff:0:127.0.0.1', '::ffff:0:a00:1'], undefined],
  ['NAT64', ['64:ff9b::7f00:1', '64:ff9b::127.0.0.1', '64:ff9b::a00:1'], '64:ff9b::808:808'],
  ['6to4', ['2002:7f00:1::', '2002:7f00:0001:1234::1', '2002:a00:1::1'], '2002:808:808::1'],
  // Teredo: server 65.54.227.120, client obfuscated (bits inverted): 0x80fffffe is 127.0.0.1
  ['Teredo', ['2001:0:4136:e378:8000:63bf:80ff:fffe', '2001:0:4136:e378:8000:63bf:f5ff:fffe'], '2001:0:4136:e378:8000:63bf:f7f7:f7f7'],
];

describe('where a webhook may point (net guard)', () => {
  describe('one table of refused ranges, each with its reason', () => {
    for (const [range, reason, inside, outside] of RANGES) {
      it(`refuses ${range} (${reason}) from its first to its last address, and not just outside it`, () => {
        for (const address of inside) {
          const problem = reasonOf(address);
          expect(problem, address).to.be.a('string');
          expect(problem, address).to.include(`${reason} address`).and.include(`(${range})`);
        }
        for (const address of outside) expect(reasonOf(address) ?? 'allowed', address).to.not.include(`(${range})`);
      });
    }

    it('lists every refused range exactly once, and none this test does not know', () => {
      expect(REFUSED_RANGES.map((r) => r.range)).to.have.members(RANGES.map(([range]) => range));
    });

    it('allows ordinary public addresses', () => {
      for (const address of ['8.8.8.8', '93.184.215.14', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e']) expect(reasonOf(address), address).to.equal(undefined);
    });
  });

  describe('IPv4 carried inside IPv6 is decoded and checked as IPv4', () => {
    for (const [form, refused, publicForm] of EMBEDDED) {
      it(`refuses ${form} addresses carrying a loopback or private IPv4${publicForm ? ', allowing a public one' : ''}`, () => {
        for (const address of refused) {
          const problem = reasonOf(address);
          expect(problem, address).to.match(new RegExp(`carries (127\\.0\\.0\\.1|10\\.0\\.0\\.1) \\(${form}\\), a (loopback|private) address`));
        }
        if (publicForm) expect(reasonOf(publicForm), publicForm).to.equal(undefined);
      });
    }

    it('refuses IPv4-compatible and IPv4-translated forms, even of a public address', () => {
      expect(reasonOf('::8.8.8.8')).to.match(/IPv4-compatible/);
      expect(reasonOf('::ffff:0:808:808')).to.match(/IPv4-translated/);
    });
  });

  describe('the allow-list (IMSFLOW_WEBHOOK_ALLOW_PRIVATE)', () => {
    it('lets a listed private address or range through, with its IPv4-mapped forms', () => {
      const allow = parseAllowList(['127.0.0.1', '10.20.0.0/16', 'fd00::/8']);
      for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:1', '10.20.3.4', 'fd00::5']) expect(reasonOf(address, allow), address).to.equal(undefined);
      for (const address of ['127.0.0.2', '10.21.0.1', '::127.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::', 'fc00::1']) expect(reasonOf(address, allow), address).to.be.a('string');
    });

    it('names the entry that is no address or range', () => {
      expect(() => parseAllowList(['10.0.0.0/8', 'intranet'])).to.throw('"intranet" is not an IP address or CIDR range');
      expect(() => parseAllowList(['10.0.0.0/33'])).to.throw('"10.0.0.0/33" has an invalid prefix length');
    });
  });

  describe('every address a name resolves to is checked at connection time', () => {
    const resolving = (answers: { address: string; family: number }[]) => async () => answers;
    const lookupOnce = (lookup: ReturnType<typeof guardedLookup>, hostname: string) =>
      new Promise<{ err: (Error & { code?: string }) | null; address?: string }>((resolve) => lookup(hostname, {}, (err: Error | null, address?: string) => resolve({ err, address })));

    it('refuses a name resolving to an IPv6 form of loopback, naming both', async () => {
      for (const address of ['::ffff:7f00:1', '64:ff9b::7f00:1', '2002:7f00:1::1', 'fec0::1']) {
        const { err } = await lookupOnce(guardedLookup(NONE, resolving([{ address, family: 6 }])), 'hooks.example.test');
        expect(err?.message, address).to.match(new RegExp(`^refused: hooks\\.example\\.test resolves to ${address.replace(/\./g, '\\.')}`));
        expect(err?.code).to.equal('EWEBHOOKTARGET');
      }
    });

    it('refuses a name when any of its addresses is refused, even if the first is fine', async () => {
      const { err } = await lookupOnce(guardedLookup(NONE, resolving([{ address: '93.184.215.14', family: 4 }, { address: '::ffff:169.254.169.254', family: 6 }])), 'hooks.example.test');
      expect(err?.message).to.match(/carries 169\.254\.169\.254 \(IPv4-mapped\), a link-local address/);
    });

    it('hands public answers to the connection', async () => {
      const { err, address } = await lookupOnce(guardedLookup(NONE, resolving([{ address: '93.184.215.14', family: 4 }])), 'hooks.example.test');
      expect(err).to.equal(null);
      expect(address).to.equal('93.184.215.14');
    });
  });
});
