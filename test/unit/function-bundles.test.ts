/**
 * Each function bundles exactly the AWS SDK clients it uses: a client it never calls costs
 * cold-start time (and would need IAM it does not have). Checked on the real esbuild bundle
 * graph of every function in serverless.yml.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import { load as parseYaml } from 'js-yaml';

const DYNAMODB = 'client-dynamodb';
const KMS = 'client-kms';
const SES = 'client-sesv2';

/** What each function talks to, and why. */
const expected: Record<string, string[]> = {
  discovery: [], // built from config
  assets: [],
  jwks: [DYNAMODB], // public keys only
  userinfo: [DYNAMODB], // verifies against published keys, reads grants
  revoke: [DYNAMODB],
  introspect: [DYNAMODB],
  home: [DYNAMODB, KMS], // session cookie (key ring) + revocation check
  login: [DYNAMODB, KMS],
  logout: [DYNAMODB, KMS],
  authorize: [DYNAMODB, KMS],
  token: [DYNAMODB, KMS], // signs with the KMS-wrapped signing key
  endSession: [DYNAMODB, KMS],
  rotateKeys: [DYNAMODB, KMS],
  register: [DYNAMODB, KMS, SES], // mails codes
  loginCode: [DYNAMODB, KMS, SES],
};

async function sdkClients(entry: string): Promise<string[]> {
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
  const clients = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
    if (match?.[1]) clients.add(match[1]);
  }
  return [...clients].sort();
}

const functions = (parseYaml(readFileSync('serverless.yml', 'utf8')) as { functions: Record<string, { handler: string }> }).functions;

describe('function bundles', () => {
  it('every function in serverless.yml has an expectation here', () => {
    assert.deepEqual(Object.keys(functions).sort(), Object.keys(expected).sort());
  });

  for (const [name, fn] of Object.entries(functions)) {
    it(`${name} bundles only ${expected[name]?.join(', ') || 'no AWS client'}`, async () => {
      const entry = `${fn.handler.replace(/\.[^.]+$/, '')}.ts`;
      assert.deepEqual(await sdkClients(entry), [...(expected[name] ?? [])].sort());
    });
  }
});
