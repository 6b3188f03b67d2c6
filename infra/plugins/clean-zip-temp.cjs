/**
 * Removes the folders serverless-esbuild leaves in the system temp folder when it zips.
 *
 * serverless-esbuild (1.x, dist/utils.js `zip`) copies each function's files into
 * `<tmpdir>/<function>-<pid>-<time>-<hex>` to zip them and means to remove the folder after,
 * but its remove fails silently on a folder that is not empty: every package left ~42 MB behind.
 * This removes exactly those of this process (its pid is in the name) once the artifacts exist.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

class CleanZipTemp {
  constructor(serverless) {
    this.serverless = serverless;
    const clean = () => this.clean();
    this.hooks = { 'after:package:createDeploymentArtifacts': clean, 'after:deploy:function:packageFunction': clean };
  }

  clean() {
    const names = new Set(this.serverless.service.getAllFunctions());
    const ours = new RegExp(`^(.+)-${process.pid}-\\d+-[0-9a-f]{8}$`);
    for (const entry of fs.readdirSync(os.tmpdir())) {
      const match = ours.exec(entry);
      if (match && names.has(match[1])) fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

module.exports = CleanZipTemp;
