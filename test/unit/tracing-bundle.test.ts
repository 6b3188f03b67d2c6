/**
 * TRACING=off (the default) leaves the Powertools Tracer and the X-Ray SDK out of the bundles:
 * serverless.yml's esbuild `define` makes `process.env.IDENTITY_TRACING` a build-time constant,
 * and lib/observability/tracing.ts's dynamic import is dead code esbuild drops. One function is
 * bundled both ways in memory with the project's esbuild settings; the tracing-on bundle shows
 * that the checks can see the Tracer when it is there.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { build, type BuildOptions } from 'esbuild';
import { load as parseYaml } from 'js-yaml';

/** A function whose bundle makes AWS calls (the Tracer wraps its clients) and runs as an API handler. */
const ENTRY = 'functions/token.ts';
/** Only the X-Ray SDK reads this variable (where its daemon listens): a string minification keeps. */
const XRAY_SDK_MARKER = 'AWS_XRAY_DAEMON_ADDRESS';
const TRACER_PACKAGES = /node_modules\/(@aws-lambda-powertools\/tracer|aws-xray-sdk-core)\//;

/** The bundle's code and the source files that went into it. */
type Bundle = { code: string; inputs: string[] };
type EsbuildSettings = Pick<BuildOptions, 'bundle' | 'minify' | 'target' | 'platform' | 'format' | 'external' | 'banner'> & { define: Record<string, string> };
const settings = (parseYaml(readFileSync('serverless.yml', 'utf8')) as { custom: { esbuild: EsbuildSettings } }).custom.esbuild;

/** serverless.yml's `custom.esbuild` as serverless-esbuild hands it to esbuild, with `${self:custom.tracing}` = `tracing`. */
async function bundleEntry(tracing: 'on' | 'off'): Promise<Bundle> {
  const { bundle, minify, target, platform, format, external, banner, define } = settings;
  const defined = Object.fromEntries(Object.entries(define).map(([name, value]) => [name, value.replace('${self:custom.tracing}', tracing)]));
  const result = await build({ entryPoints: [ENTRY], bundle, minify, target, platform, format, external, banner, define: defined, write: false, metafile: true, logLevel: 'silent' });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

describe('tracing in the bundles (TRACING, serverless.yml custom.esbuild.define)', () => {
  let off: Bundle;
  let on: Bundle;
  before(async () => {
    [off, on] = await Promise.all([bundleEntry('off'), bundleEntry('on')]);
  });

  it('defines process.env.IDENTITY_TRACING from the TRACING setting', () => {
    assert.equal(settings.define['process.env.IDENTITY_TRACING'], '"${self:custom.tracing}"');
  });

  it('bundles the Tracer and the X-Ray SDK with TRACING=on', () => {
    assert.ok(on.inputs.some((input) => TRACER_PACKAGES.test(input)), 'no tracer module among the inputs');
    assert.ok(on.code.includes(XRAY_SDK_MARKER), `${XRAY_SDK_MARKER} not in the tracing bundle`);
  });

  it('leaves both out with TRACING=off', () => {
    assert.deepEqual(off.inputs.filter((input) => TRACER_PACKAGES.test(input)), []);
    assert.ok(!off.code.includes(XRAY_SDK_MARKER), `${XRAY_SDK_MARKER} in a bundle built without tracing`);
  });
});
