/**
 * Native modules (serverless-esbuild `external`, e.g. @node-rs/argon2) cannot be bundled;
 * serverless-esbuild installs them with npm in its build folder (versions from
 * package-lock.json) and zips them with the functions whose bundle imports them.
 *
 * - Package and deploy: the zips must carry Lambda's binary (linux, glibc, the provider's
 *   architecture), whatever machine packages. npm takes its target platform from
 *   npm_config_os/cpu/libc, which this sets for serverless-esbuild's npm runs (install, then
 *   prune, then ls: all three must see the same platform, or prune swaps the binary back).
 * - `osls offline` runs the bundles on this machine: nothing is installed (the modules are only
 *   kept out of the bundle), so they resolve from the project's node_modules, with the host's
 *   binary, as in the tests.
 *
 * Listed before serverless-esbuild in serverless.yml, so its hooks run first.
 */
'use strict';

const LAMBDA_CPU = { arm64: 'arm64', x86_64: 'x64' };

class LambdaNativeModules {
  constructor(serverless) {
    this.serverless = serverless;
    const forLambda = () => this.targetLambda();
    this.hooks = {
      initialize: () => this.offlineUsesProjectModules(),
      'before:package:createDeploymentArtifacts': forLambda,
      'before:deploy:function:packageFunction': forLambda,
    };
  }

  offlineUsesProjectModules() {
    if (this.serverless.processedInput.commands[0] !== 'offline') return;
    const esbuild = this.serverless.service.custom.esbuild;
    // serverless-esbuild leaves `exclude`d modules out of the bundle and installs none of them.
    esbuild.exclude = [...(esbuild.exclude ?? []), ...(esbuild.external ?? [])];
  }

  targetLambda() {
    const architecture = this.serverless.service.provider.architecture ?? 'x86_64';
    const cpu = LAMBDA_CPU[architecture];
    if (!cpu) throw new this.serverless.classes.Error(`No npm cpu for the Lambda architecture "${architecture}"`);
    Object.assign(process.env, { npm_config_os: 'linux', npm_config_cpu: cpu, npm_config_libc: 'glibc' });
  }
}

module.exports = LambdaNativeModules;
