/**
 * An address as logs may show it: the first character of the local part and the domain
 * (`a***@example.com`), enough to tell support cases apart, not enough to mail anyone.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}
