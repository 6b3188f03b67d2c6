/**
 * How `osls offline` builds the functions (package and deploy are left to serverless-esbuild):
 *
 * - One esbuild run for all functions, not one per function. Each output is still a whole
 *   bundle of its own (no code splitting), as deployed; but the shared sources, the AWS SDK
 *   above all, are parsed once instead of fifteen times: about half the time of
 *   serverless-esbuild's per-function builds.
 * - No file watcher unless OFFLINE_WATCH=1 (`npm start -- --watch`). serverless-esbuild (1.x,
 *   dist/index.js) starts a chokidar watcher over the tree after its offline build, whatever
 *   `custom.esbuild.watch` says.
 * - Without the watcher, esbuild's service process is stopped once the bundles are written
 *   (`esbuild.stop()`; a later build would start it again). Left running beside osls, it held
 *   500-850 MB.
 *
 * serverless-esbuild keeps `bundle` and `watch` as instance properties and reads the build's
 * outcome from `buildResults`; this replaces the two methods and fills that field the same way.
 */
'use strict';

const path = require('node:path');

/** The esbuild options serverless.yml's `custom.esbuild` sets; the rest of it configures the plugin. */
const ESBUILD_OPTIONS = ['bundle', 'minify', 'sourcemap', 'target', 'platform', 'format', 'banner', 'external'];

class OfflineBuildOnce {
  constructor(serverless) {
    this.serverless = serverless;
    this.watching = process.env.OFFLINE_WATCH === '1';
    const afterBuild = () => this.afterBuild();
    this.hooks = {
      initialize: () => this.install(),
      // serverless-esbuild is listed before this plugin: its build hook has run when these run.
      'before:offline:start': afterBuild,
      'before:offline:start:init': afterBuild,
    };
  }

  install() {
    if (this.serverless.processedInput.commands[0] !== 'offline') return;
    const plugin = this.serverless.pluginManager.plugins.find((candidate) => candidate.constructor.name === 'EsbuildServerlessPlugin');
    if (!plugin) throw new this.serverless.classes.Error('offline-build-once: serverless-esbuild is not loaded');
    this.esbuild = require(require.resolve('esbuild', { paths: [path.join(this.serverless.serviceDir, 'node_modules', 'serverless-esbuild')] }));
    plugin.bundle = () => this.bundleAll(plugin);
    if (!this.watching) plugin.watch = () => {};
  }

  async bundleAll(plugin) {
    plugin.prepare();
    const { buildOptions, buildDirPath } = plugin;
    const extension = buildOptions.outputFileExtension;
    const entries = [...new Set(plugin.functionEntries.map(({ entry }) => entry))];
    const options = Object.fromEntries(ESBUILD_OPTIONS.filter((name) => buildOptions[name] !== undefined).map((name) => [name, buildOptions[name]]));
    await this.esbuild.build({
      ...options,
      // Modules serverless-esbuild would leave out of each bundle stay out of this one too.
      external: [...(options.external ?? []), ...(buildOptions.exclude ?? [])],
      entryPoints: entries,
      outbase: '.',
      outdir: buildDirPath,
      outExtension: { '.js': extension },
      logLevel: 'warning',
    });
    // What serverless-esbuild's own bundle() leaves for packing and for serverless-offline.
    plugin.buildResults = plugin.functionEntries.map(({ entry, func, functionAlias }) => ({
      bundlePath: entry.slice(0, entry.lastIndexOf('.')) + extension,
      func,
      functionAlias,
    }));
  }

  async afterBuild() {
    if (!this.watching && this.esbuild) await this.esbuild.stop();
  }
}

module.exports = OfflineBuildOnce;
