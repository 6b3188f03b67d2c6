import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key under which requests from one source are counted (rate limits, guessing budgets).
 *
 * An IPv4 address is one source. An IPv6 address is counted by its /64: a single host, or any
 * home or mobile subscriber, is routinely given a whole /64 and can pick a fresh address from it
 * for every request, so counting full IPv6 addresses would give one attacker 2^64 budgets. An
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is the IPv4 address it maps. Anything else
 * (a local emulator's placeholder) is kept, trimmed and lowercased, as its own source.
 */
export function sourceKey(address: string): string {
  const ip = address.trim().toLowerCase();
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  const groups = ipv6Groups(ip);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, an embedded IPv4 tail split in two). */
function ipv6Groups(ip: string): number[] {
  const withoutZone = ip.split('%')[0]!;
  const [head = '', tail] = withoutZone.split('::');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
