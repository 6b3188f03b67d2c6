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
const all = readdirSync('bench')
  .filter((name) => name.endsWith('.bench.ts'))
  .sort();
// A bench named exactly runs alone (`-- start` is start.bench.ts, not cold-start's too); other names pick every bench containing them.
const exact = all.filter((name) => only.includes(name.slice(0, -'.bench.ts'.length)));
const benches = exact.length > 0 ? exact : all.filter((name) => only.length === 0 || only.some((o) => name.includes(o)));

let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${bench}`, ...benchArgs], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
