/**
 * The "run `main` when this file is the entry point" tail shared by the CLI scripts and the
 * test worker, so that each can also be imported (by tests) without running.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface RunIfMainOptions {
  /** The process exit code for a failure; 1 unless given. */
  exitCodeFor?(error: unknown): number;
  /** Print the stack of an Error, not just its message. */
  showStack?: boolean;
  /** The line to print for a failure, instead of its message. */
  describe?(error: unknown): string;
}

/** True when the module at `importMetaUrl` is the script node was started with. */
export function isMainModule(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    // realpath: the entry may be reached through a symlink (e.g. node_modules/.bin).
    return importMetaUrl === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

/**
 * Runs `main` if the calling module (pass its `import.meta.url`) is the entry point; a rejection
 * is printed to stderr and ends the process.
 */
export function runIfMain(importMetaUrl: string, main: () => Promise<void>, options: RunIfMainOptions = {}): void {
  if (!isMainModule(importMetaUrl)) return;
  main().catch((error: unknown) => {
    if (options.describe) console.error(options.describe(error));
    else console.error(error instanceof Error ? (options.showStack ? error.stack : error.message) : error);
    process.exit(options.exitCodeFor?.(error) ?? 1);
  });
}
