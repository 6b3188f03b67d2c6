/**
 * `npm run cost`: the AWS cost of each operation and of one monthly active user, from what the
 * real handlers use, measured now on the local stack (bench/flow-calls.ts), times the list prices
 * in aws-prices.ts, beside Cognito's price per MAU.
 *
 *  1. Calls and capacity: every flow once on warm instances through the counting proxy
 *     (DynamoDB commands and the capacity units DynamoDB Local reports, KMS calls, mails, log
 *     lines, response bytes), at production's password cost.
 *  2. Server time: ROUNDS more rounds of every flow on warm instances that talk to DynamoDB
 *     Local directly; per step the CPU time of the process and the time spent waiting.
 *
 * Prints markdown tables (the README's "Cost" section is one run's output).
 */
import { loadConfigSections } from '../../lib/config.js';
import { CapturedOutput } from '../../test/support/captured-output.js';
import {
  email,
  FLOWS,
  FlowRun,
  instancePickers,
  measureFlows,
  total,
  type FlowStack,
  type MeasuredFlow,
  type StepResult,
  startFlowStack,
} from '../flow-calls.js';
import { AWS_PRICES, COGNITO_PER_MAU, LAMBDA_FULL_VCPU } from './aws-prices.js';
import {
  dominantService,
  lambdaBilledMs,
  operationCost,
  perUserCost,
  platformLogBytes,
  SERVICE_LABELS,
  SERVICES,
  totalCost,
  type RequestUsage,
  type ServiceCosts,
} from './cost-model.js';
import { functionMemoryMb } from './function-memory.js';
import { OPERATIONS, USAGE_PROFILE, type Operation, type StepRef } from './operations.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ROUNDS = Number(process.env.COST_ROUNDS ?? 20);
/** The target: at most this share of Cognito Essentials per MAU. */
const TARGET_SHARE_OF_ESSENTIALS = 1 / 20;
/** lib/config.ts's defaults, OWASP's argon2id cost: what AWS runs (the test stack hashes cheaper). */
const PRODUCTION_PASSWORD = loadConfigSections(['accounts'], {}).password.argon2id;

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
};
const usd = (value: number) => (value === 0 ? '0' : value >= 1 ? `$${value.toFixed(2)}` : value >= 0.001 ? `$${value.toFixed(4)}` : `$${value.toPrecision(2)}`);
const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  console.log(row(headers));
  console.log(row(headers.map((_, i) => (i === 0 ? '---' : '---:'))));
  for (const cells of rows) console.log(row(cells));
}

const stepKey = ({ flow, label }: StepRef) => `${flow} ${label}`;

interface ServerTime {
  cpuMs: number;
  waitMs: number;
}

/** Every step's CPU and waiting times, over rounds of every flow on warm instances that call DynamoDB Local directly. */
async function serverTimes(flows: FlowStack): Promise<Map<string, ServerTime>> {
  flows.callDirectly();
  const { warm } = instancePickers();
  const samples = new Map<string, StepResult[]>();
  // Round 0 warms the new instances up and is not kept.
  for (let round = 0; round <= ROUNDS; round++) {
    const address = email(`round${round}`);
    for (const { key, flow } of FLOWS) {
      const run = new FlowRun(flows, warm);
      await flow(run, flows.mailbox, address);
      if (round === 0) continue;
      for (const [label, result] of run.steps) {
        const list = samples.get(stepKey({ flow: key, label })) ?? [];
        list.push(result);
        samples.set(stepKey({ flow: key, label }), list);
      }
    }
  }
  // CPU: the median. Waiting (wall - CPU): the lower quartile, as other work on this shared machine only adds to it.
  return new Map(
    [...samples].map(([key, results]) => [
      key,
      { cpuMs: quantile(results.map((r) => r.cpuMs), 0.5), waitMs: quantile(results.map((r) => Math.max(0, r.wallMs - r.cpuMs)), 0.25) },
    ]),
  );
}

interface PricedStep {
  ref: StepRef;
  measured: StepResult;
  times: ServerTime;
  usage: RequestUsage;
}

function pricedSteps(measured: readonly MeasuredFlow[], times: Map<string, ServerTime>): Map<string, PricedStep> {
  const memoryOf = functionMemoryMb();
  const steps = new Map<string, PricedStep>();
  for (const flow of measured) {
    for (const [label, result] of flow.warm.steps) {
      const ref = { flow: flow.key, label };
      const time = times.get(stepKey(ref));
      if (time === undefined) throw new Error(`no server time for ${stepKey(ref)}`);
      const memoryMb = memoryOf(result.fn);
      const billedMs = lambdaBilledMs(time, memoryMb, LAMBDA_FULL_VCPU.memoryMb);
      steps.set(stepKey(ref), {
        ref,
        measured: result,
        times: time,
        usage: {
          memoryMb,
          billedMs,
          readUnits: result.capacity.readUnits,
          // A write refused by its condition still consumes (at least) one unit.
          writeUnits: result.capacity.writeUnits + result.capacity.refusedWrites,
          kmsRequests: total(result.calls.kms),
          mails: result.mails,
          logBytes: result.log.bytes + platformLogBytes(billedMs, memoryMb),
          responseBytes: result.responseBytes,
        },
      });
    }
  }
  return steps;
}

function printSteps(steps: Map<string, PricedStep>): void {
  console.log(`\n### Per request (warm instances), measured\n`);
  markdownTable(
    ['step', 'function, MB', 'DynamoDB commands', 'RRU', 'WRU', 'KMS', 'mails', 'CPU ms', 'wait ms', 'billed ms', 'log B', 'out B'],
    [...steps.values()].map(({ ref, measured, times, usage }) => [
      `${ref.label.replace(/\s+/g, ' ')}${ref.flow === 'authorizationCode' ? ' (app)' : ''}`,
      `${measured.fn}, ${usage.memoryMb}`,
      Object.entries(measured.calls.ddb)
        .map(([name, n]) => `${n} ${name}`)
        .join(', ') || '-',
      usage.readUnits,
      usage.writeUnits,
      usage.kmsRequests,
      usage.mails,
      times.cpuMs.toFixed(1),
      times.waitMs.toFixed(1),
      usage.billedMs,
      usage.logBytes,
      usage.responseBytes,
    ]),
  );
}

function printRefusedWrites(steps: Map<string, PricedStep>): void {
  const refused = [...steps.values()].filter(({ measured }) => measured.capacity.refusedWrites > 0);
  if (refused.length === 0) return;
  console.log(`\nWrites refused by their condition (no ConsumedCapacity in the answer; counted as 1 WRU each above): ${refused.map(({ ref, measured }) => `${ref.label.replace(/\s+/g, ' ')}: ${measured.capacity.refusedWrites}`).join('; ')}.`);
}

function printOperations(operations: Record<Operation, ServiceCosts>): void {
  console.log(`\n### Per 1 million operations, USD, by service\n`);
  markdownTable(
    ['operation (requests)', ...SERVICES.map((s) => SERVICE_LABELS[s]), 'total'],
    (Object.keys(operations) as Operation[]).map((name) => [
      `${name} (${OPERATIONS[name].length})`,
      ...SERVICES.map((s) => usd(operations[name][s] * 1e6)),
      `**${usd(totalCost(operations[name]) * 1e6)}**`,
    ]),
  );
}

function printPerUser(operations: Record<Operation, ServiceCosts>): void {
  const perUser = perUserCost(USAGE_PROFILE, operations);
  const sum = totalCost(perUser);
  const profile = (Object.keys(USAGE_PROFILE) as Operation[]).map((name) => `${USAGE_PROFILE[name]} ${name}`).join(', ');
  console.log(`\n### Per monthly active user: ${profile}\n`);
  markdownTable(
    ['', ...SERVICES.map((s) => SERVICE_LABELS[s]), 'total'],
    [
      ...(Object.keys(USAGE_PROFILE) as Operation[]).map((name) => [
        `${USAGE_PROFILE[name]} × ${name}`,
        ...SERVICES.map((s) => usd(operations[name][s] * USAGE_PROFILE[name])),
        usd(totalCost(operations[name]) * USAGE_PROFILE[name]),
      ]),
      ['**per MAU**', ...SERVICES.map((s) => usd(perUser[s])), `**${usd(sum)}**`],
    ],
  );
  console.log(`\n### Beside Cognito user pools, per MAU (free tiers left out on both sides)\n`);
  markdownTable(
    ['', 'per MAU', 'this stack as a share'],
    [
      ['this stack', usd(sum), ''],
      ...Object.entries(COGNITO_PER_MAU).map(([plan, price]) => [`Cognito ${plan[0]!.toUpperCase()}${plan.slice(1)}`, usd(price.usd), `1/${(price.usd / sum).toFixed(1)}`]),
    ],
  );
  const target = COGNITO_PER_MAU.essentials.usd * TARGET_SHARE_OF_ESSENTIALS;
  const met = sum <= target;
  const top = dominantService(perUser);
  const byOperation = (Object.keys(USAGE_PROFILE) as Operation[]).map((name) => ({ name, cost: totalCost(operations[name]) * USAGE_PROFILE[name] })).sort((a, b) => b.cost - a.cost)[0]!;
  console.log(`\nTarget: at most 1/${1 / TARGET_SHARE_OF_ESSENTIALS} of Cognito Essentials = ${usd(target)} per MAU: ${met ? 'met' : 'NOT met'} (${usd(sum)}).`);
  console.log(`Dominant service per MAU: ${SERVICE_LABELS[top.service]} (${(top.share * 100).toFixed(0)}%); dominant operation: ${byOperation.name} (${((byOperation.cost / sum) * 100).toFixed(0)}%).`);
  console.log(`\nThe same user with fewer or more refreshes (ACCESS_TOKEN_TTL_S decides how often an app refreshes):\n`);
  markdownTable(
    ['refreshes a month', 'per MAU', 'share of Essentials'],
    [0, 30, 60, 120, 240].map((refreshes) => {
      const cost = totalCost(perUserCost({ ...USAGE_PROFILE, refresh: refreshes }, operations));
      return [refreshes, usd(cost), `1/${(COGNITO_PER_MAU.essentials.usd / cost).toFixed(1)}`];
    }),
  );
}

function printColdStarts(measured: readonly MeasuredFlow[]): void {
  console.log(`\n### What a cold instance adds (first request of a new instance, counted on top of the warm step)\n`);
  const rows: string[][] = [];
  for (const flow of measured) {
    for (const [label, cold] of flow.cold.steps) {
      const warm = flow.warm.steps.get(label)!;
      const extraReads = cold.capacity.readUnits - warm.capacity.readUnits;
      const extraKms = total(cold.calls.kms) - total(warm.calls.kms);
      if (extraReads <= 0 && extraKms <= 0) continue;
      rows.push([`${label.replace(/\s+/g, ' ')} (${cold.fn})`, String(extraReads), String(extraKms), usd(extraReads * AWS_PRICES.dynamodbReadRequestUnit.usd + extraKms * AWS_PRICES.kmsRequest.usd)]);
    }
  }
  markdownTable(['step', 'extra RRU', 'extra KMS', 'extra USD'], rows);
}

function printAssumptions(): void {
  const p = AWS_PRICES;
  console.log(`\n### How it is computed\n`);
  console.log(`- Calls, capacity units, mails, log lines and response bytes: measured now on warm instances (bench/flow-calls.ts). Capacity units are the ConsumedCapacity DynamoDB Local reports.`);
  console.log(`- Lambda: arm64 (serverless.yml), the memory of the function serving each step (serverless.yml), billed per 1 ms. Billed ms = CPU ms × ${LAMBDA_FULL_VCPU.memoryMb} / memory (Lambda's share of a vCPU) + wait ms (wall − CPU: DynamoDB Local on loopback), over ${ROUNDS} rounds on this machine's core (CPU: median; wait: lower quartile, as other load only adds to it); argon2id at production's m=${PRODUCTION_PASSWORD.memoryKiB} KiB t=${PRODUCTION_PASSWORD.iterations}.`);
  console.log(`- Logs: the JSON request line and EMF metric lines each request wrote (measured) + Lambda's START/END/REPORT lines (from the documented format).`);
  const at = (usdPerUnit: number, units: number) => `$${Number((usdPerUnit * units).toPrecision(6))}`;
  console.log(
    `- Prices (us-east-1, bench/cost/aws-prices.ts, each with its source and date): Lambda ${at(p.lambdaArmGbSecond.usd, 1)}/GB-s, ${at(p.lambdaRequest.usd, 1e6)}/M requests; HTTP API ${at(p.httpApiRequest.usd, 1e6)}/M; DynamoDB on-demand ${at(p.dynamodbReadRequestUnit.usd, 1e6)}/M RRU, ${at(p.dynamodbWriteRequestUnit.usd, 1e6)}/M WRU; KMS ${at(p.kmsRequest.usd, 1e4)}/10k; SES ${at(p.sesEmail.usd, 1e3)}/1k mails; CloudWatch Logs ${at(p.cloudwatchLogsIngestionGb.usd, 1)}/GB ingested; data out ${at(p.dataTransferOutGb.usd, 1)}/GB. Free tiers are left out.`,
  );
  console.log(`- Not per user, so not in the tables: the KMS key ($1 a month), log storage, the 6-hourly key rotation, DynamoDB storage.`);
}

let flows: FlowStack | undefined;
const output = new CapturedOutput(); // the handlers' JSON log lines: counted, not printed
try {
  const wallStart = Date.now();
  flows = await startFlowStack({
    PASSWORD_ARGON2_MEMORY_KIB: String(PRODUCTION_PASSWORD.memoryKiB),
    PASSWORD_ARGON2_ITERATIONS: String(PRODUCTION_PASSWORD.iterations),
  });
  const { flows: measured } = await measureFlows(flows, instancePickers(), output);
  const times = await serverTimes(flows);
  const steps = pricedSteps(measured, times);
  const usageOf = (ref: StepRef) => {
    const step = steps.get(stepKey(ref));
    if (step === undefined) throw new Error(`no measured step ${stepKey(ref)}`);
    return step.usage;
  };
  const operations = Object.fromEntries(
    (Object.keys(OPERATIONS) as Operation[]).map((name) => [name, operationCost(OPERATIONS[name].map(usageOf), AWS_PRICES)]),
  ) as Record<Operation, ServiceCosts>;

  console.log(`## npm run cost: ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${ROUNDS} timed rounds`);
  printSteps(steps);
  printRefusedWrites(steps);
  printOperations(operations);
  printPerUser(operations);
  printColdStarts(measured);
  printAssumptions();
  console.log(`\nWall time: ${((Date.now() - wallStart) / 1000).toFixed(0)} s.`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  output.restore();
  await flows?.close();
}
// SDK clients of the many instances keep sockets alive; nothing else is left to wait for.
process.exit(process.exitCode ?? 0);
