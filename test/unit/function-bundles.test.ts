/**
 * Each function bundles exactly the AWS SDK clients its entry in infra/function-access.yml
 * allows: a client it never calls costs cold-start time, and a client the list (and so its IAM
 * role) lacks would fail in AWS. Checked on the real esbuild bundle graph of every function in
 * serverless.yml.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import { load as parseYaml } from 'js-yaml';
import { readFunctionAccess, sdkClientsFor } from '../support/function-access.js';

/** What each function talks to, and why: infra/function-access.yml, which its IAM role also grants. */
const access = readFunctionAccess();

const serverless = parseYaml(readFileSync('serverless.yml', 'utf8')) as { functions: Record<string, { handler: string }>; custom: { esbuild: { external?: string[] } } };
/** Native modules stay out of the bundles, as in the real build (serverless.yml custom.esbuild.external). */
const external = serverless.custom.esbuild.external ?? [];

async function sdkClients(entry: string): Promise<string[]> {
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent', external });
  const clients = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
    if (match?.[1]) clients.add(match[1]);
  }
  return [...clients].sort();
}

const functions = serverless.functions;

describe('function bundles', () => {
  it('every function in serverless.yml has an entry in infra/function-access.yml, and no other', () => {
    assert.deepEqual(Object.keys(functions).sort(), Object.keys(access).sort());
  });

  for (const [name, fn] of Object.entries(functions)) {
    const expected = access[name] ? sdkClientsFor(access[name]) : [];
    it(`${name} bundles only ${expected.join(', ') || 'no AWS client'}`, async () => {
      const entry = `${fn.handler.replace(/\.[^.]+$/, '')}.ts`;
      assert.deepEqual(await sdkClients(entry), expected);
    });
  }
});
