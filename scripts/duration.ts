/** Durations on the operators' command lines: `90` (seconds), `30s`, `15m`, `12h`, `7d`. */
const DURATION = /^(\d{1,9})([smhd]?)$/;
const SECONDS_PER_UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** Whole seconds, or undefined for anything else (a fraction, a unit we do not know, a sign). */
export function parseDurationS(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * SECONDS_PER_UNIT[match[2]!]!;
}
