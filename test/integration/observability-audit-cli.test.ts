/**
 * The operator CLIs print an audit event (a JSON line with `"audit": true`) for every change
 * they make: keys created by a rotation or a revocation, keys revoked, clients added or removed;
 * nothing for reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../lib/clock.js';
import type { AuditParty } from '../../lib/observability/audit.js';
import { runClientsCli } from '../../scripts/clients.js';
import { runKeysCli } from '../../scripts/keys.js';
import { captureOutput } from '../support/captured-output.js';
import { InMemoryClientStore } from '../support/in-memory-client-store.js';
import { useInstanceStack } from '../support/instances.js';

const T0 = Date.parse('2031-01-01T00:00:00Z');
const actor: AuditParty = { type: 'operator', id: 'alice@ops-host' };
const stack = useInstanceStack();

/** [event, actor id, subject type, subject id] of each audit line. */
function events(records: Record<string, unknown>[]): string[][] {
  return records.map((record) => {
    const subject = record.subject as AuditParty;
    return [String(record.event), (record.actor as AuditParty).id, subject.type, subject.id];
  });
}

describe('operator CLIs write audit events', () => {
  it('keys: one key.rotated per created key, key.revoked per revocation, nothing for list', async (t) => {
    const { config, time, start } = await stack.isolatedRing(T0);
    const instance = start();
    const deps = { config, repository: instance.repository, keyWrapper: () => instance.keyWrapper, now: () => new Date(time.now), print: () => {}, actor };
    const output = captureOutput(t);

    await runKeysCli(['rotate'], deps);
    const rotated = events(output.audits);
    assert.ok(rotated.length >= 2, JSON.stringify(rotated));
    assert.ok(rotated.every(([event, who, type]) => event === 'key.rotated' && who === actor.id && type === 'key'));
    const revokedKeyId = rotated[0]![3]!;

    await runKeysCli(['list'], deps);
    assert.equal(output.audits.length, rotated.length, 'list changes nothing');

    await runKeysCli(['revoke', revokedKeyId], deps);
    const afterRevoke = events(output.audits).slice(rotated.length);
    assert.deepEqual(afterRevoke.at(-1), ['key.revoked', actor.id, 'key', revokedKeyId]);
    // The revoked key was the only usable data-protection key: its replacement is audited too.
    assert.ok(afterRevoke.slice(0, -1).every(([event]) => event === 'key.rotated') && afterRevoke.length >= 2, JSON.stringify(afterRevoke));
    assert.ok(output.audits.every((record) => typeof record.time === 'string' && record.audit === true));
  });

  it('clients: client.added and client.removed, never the secret', async (t) => {
    const output = captureOutput(t);
    const deps = { registry: new InMemoryClientStore(systemClock), print: () => {}, actor };
    const secret = 'cli-secret-0123456789abcdefghijklmnop';
    await runClientsCli(['add', '--id', 'audited', '--secret', secret, '--redirect-uri', 'https://app.example/cb'], deps);
    await runClientsCli(['list'], deps);
    await runClientsCli(['remove', 'audited'], deps);
    assert.deepEqual(events(output.audits), [
      ['client.added', actor.id, 'client', 'audited'],
      ['client.removed', actor.id, 'client', 'audited'],
    ]);
    assert.ok(!output.lines.some((line) => line.includes(secret)));
  });
});
