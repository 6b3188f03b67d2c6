/**
 * The JWKS function must not carry a KMS client: it has no KMS permission and should not pay
 * for the SDK at cold start. Checked on the real esbuild bundle graph.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { build } from 'esbuild';

async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
  return Object.keys(result.metafile.inputs);
}

it('functions/jwks.ts does not bundle the KMS client or the KMS key wrapper', async () => {
  const inputs = await bundledInputs('functions/jwks.ts');
  assert.ok(inputs.some((path) => path.includes('@aws-sdk/client-dynamodb')), 'sanity: DynamoDB is bundled');
  assert.deepEqual(inputs.filter((path) => path.includes('client-kms') || path.includes('kms-key-wrapper') || path.includes('kms-client')), []);
});

it('the check can fail: functions/rotate-keys.ts does bundle the KMS client', async () => {
  const inputs = await bundledInputs('functions/rotate-keys.ts');
  assert.ok(inputs.some((path) => path.includes('@aws-sdk/client-kms')));
});
