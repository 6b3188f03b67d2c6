/**
 * `npm run bench`: every benchmark in one run, one after another so they do not compete for
 * the two cores. Each prints its figures beside the baseline it is judged against.
 * `npm run bench -- soak --minutes 3`: names pick benches; from the first `--option` on, the
 * arguments go to each bench run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const args = process.argv.slice(2);
const firstOption = args.findIndex((arg) => arg.startsWith('--'));
const only = firstOption === -1 ? args : args.slice(0, firstOption);
const benchArgs = firstOption === -1 ? [] : args.slice(firstOption);
const benches = readdirSync('bench')
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((o) => name.includes(o)))
  .sort();

let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${bench}`, ...benchArgs], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
