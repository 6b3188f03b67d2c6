/**
 * The layout rules of ../shared/DESIGN.md, read from the import statements of lib/: which
 * folder may import which, where AWS SDK clients may be imported, and no cycle between
 * folders. A forbidden import fails here with the file and the line that made it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const LIB = join(ROOT, 'lib');

interface ImportEdge {
  file: string;
  line: number;
  /** `lib/<folder>` of the importing file, or `lib` for the root files. */
  from: string;
  /** The module specifier as written. */
  specifier: string;
  /** For relative imports, the folder (`lib/<folder>`, `lib` or `functions`...) of the target. */
  to?: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function folderOf(path: string): string {
  const rel = relative(ROOT, path).split('\\').join('/');
  const parts = rel.split('/');
  if (parts[0] !== 'lib') return parts[0] ?? rel;
  return parts.length > 2 ? `lib/${parts[1]}` : 'lib';
}

const IMPORT = /^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(file, 'utf8');
  const edges: ImportEdge[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier === undefined) continue;
    const line = text.slice(0, match.index).split('\n').length;
    const edge: ImportEdge = { file: relative(ROOT, file), line, from: folderOf(file), specifier };
    if (specifier.startsWith('.')) edge.to = folderOf(resolve(dirname(file), specifier));
    edges.push(edge);
  }
  return edges;
}

const edges = sourceFiles(LIB).flatMap(importsOf);
const where = (edge: ImportEdge) => `${edge.file}:${edge.line} imports ${edge.specifier}`;
const crossFolder = edges.filter((edge) => edge.to !== undefined && edge.to !== edge.from);

/** Folders a folder may import, besides itself and the root files (clock, config, errors, once, ttl-store). */
const ALLOWED: Record<string, readonly string[]> = {
  // Logs, metrics and audit events: the lowest layer, so any folder may report through it.
  'lib/observability': [],
  'lib/kms': [],
  'lib/keyring': ['lib/kms', 'lib/observability'],
  'lib/dataprotection': ['lib/keyring', 'lib/kms'],
  'lib/signing': ['lib/keyring', 'lib/kms'],
  'lib/http': ['lib/observability'],
  // Adapters import only the ports they implement (and their value types), and report.
  'lib/store': ['lib/keyring', 'lib/auth', 'lib/oidc', 'lib/observability'],
  'lib/auth': ['lib/dataprotection', 'lib/keyring', 'lib/http', 'lib/observability'],
  'lib/session': ['lib/dataprotection', 'lib/http', 'lib/auth'],
  // The OpenID endpoints that talk to a person (logout confirmation) render pages' HTML.
  'lib/oidc': ['lib/session', 'lib/auth', 'lib/signing', 'lib/dataprotection', 'lib/http', 'lib/pages', 'lib/observability'],
  'lib/pages': ['lib/session', 'lib/auth', 'lib/http', 'lib/observability'],
  // Composition roots wire everything; nothing imports them but entry points.
  'lib/runtime': ['*'],
};

/** Where AWS SDK packages may be imported: the adapters and the one client factory. */
const AWS_SDK_FOLDERS = new Set(['lib/store', 'lib/kms', 'lib/runtime']);

describe('dependency rules of lib/', () => {
  it('reads a plausible import graph (the parser finds the imports it must judge)', () => {
    assert.ok(edges.length > 300, `only ${edges.length} imports found`);
    assert.ok(crossFolder.some((edge) => edge.from === 'lib/oidc' && edge.to === 'lib/http'));
  });

  it('nothing in lib/ imports functions/, scripts/, test/ or bench/', () => {
    const bad = edges.filter((edge) => edge.to !== undefined && !edge.to.startsWith('lib'));
    assert.deepEqual(bad.map(where), []);
  });

  it('every folder imports only the folders its layer allows', () => {
    const folders = new Set(edges.map((edge) => edge.from).filter((folder) => folder !== 'lib'));
    for (const folder of folders) assert.ok(folder in ALLOWED, `${folder} has no rule: add it to ALLOWED`);
    const bad = crossFolder.filter((edge) => {
      if (edge.to === 'lib') return false;
      const allowed = ALLOWED[edge.from] ?? [];
      return !allowed.includes('*') && !allowed.includes(edge.to!);
    });
    assert.deepEqual(bad.map(where), []);
  });

  it('the root files import no feature folder', () => {
    const bad = crossFolder.filter((edge) => edge.from === 'lib');
    assert.deepEqual(bad.map(where), []);
  });

  it('only the adapters and the client factory import the AWS SDK', () => {
    const bad = edges.filter((edge) => edge.specifier.startsWith('@aws-sdk/') && !AWS_SDK_FOLDERS.has(edge.from));
    assert.deepEqual(bad.map(where), []);
  });

  it('no cycle between folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const edge of crossFolder) {
      if (!graph.has(edge.from)) graph.set(edge.from, new Set());
      graph.get(edge.from)!.add(edge.to!);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    assert.deepEqual(cycles, []);
  });
});
