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
 * - Bundles whose inputs are unchanged since the last offline build (the same files, sizes and
 *   modification times, the same options: esbuild's metafile lists every input) are kept, so a
 *   second `npm start` skips the build. A file edit, an `npm install` or a serverless.yml change
 *   builds again.
 * - Without the watcher, esbuild's service process is stopped once the bundles are written
 *   (`esbuild.stop()`; a later build would start it again). Left running beside osls, it held
 *   500-850 MB.
 *
 * serverless-esbuild keeps `bundle` and `watch` as instance properties and reads the build's
 * outcome from `buildResults`; this replaces the two methods and fills that field the same way.
 */
'use strict';

const fs = require('node:fs');
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
    const build = {
      ...options,
      // Modules serverless-esbuild would leave out of each bundle stay out of this one too.
      external: [...(options.external ?? []), ...(buildOptions.exclude ?? [])],
      entryPoints: entries,
      outbase: '.',
      outdir: buildDirPath,
      outExtension: { '.js': extension },
      logLevel: 'warning',
    };
    const bundlePaths = entries.map((entry) => path.join(buildDirPath, entry.slice(0, entry.lastIndexOf('.')) + extension));
    const stampFile = path.join(buildDirPath, '..', 'offline-inputs.json');
    const fingerprint = JSON.stringify(build);
    if (this.watching || !upToDate(stampFile, fingerprint, bundlePaths)) {
      const result = await this.esbuild.build({ ...build, metafile: true });
      // When watching, a rebuild follows every change anyway: no stamp to keep.
      if (!this.watching) fs.writeFileSync(stampFile, JSON.stringify({ options: fingerprint, inputs: stamps(Object.keys(result.metafile.inputs)) }));
    }
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

/** Size and modification time of each file; null for a file that is gone. */
function stamps(files) {
  return Object.fromEntries(
    files.map((file) => {
      try {
        const stat = fs.statSync(file);
        return [file, `${stat.size}:${stat.mtimeMs}`];
      } catch {
        return [file, null];
      }
    }),
  );
}

/** True when the bundles exist and were built with these options from inputs that have not changed. */
function upToDate(stampFile, options, bundlePaths) {
  try {
    const stored = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    if (stored.options !== options || !bundlePaths.every((file) => fs.existsSync(file))) return false;
    const now = stamps(Object.keys(stored.inputs));
    return Object.entries(stored.inputs).every(([file, stamp]) => stamp !== null && now[file] === stamp);
  } catch {
    return false;
  }
}

module.exports = OfflineBuildOnce;
