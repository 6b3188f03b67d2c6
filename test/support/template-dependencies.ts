/**
 * Dependency cycles among the resources of a CloudFormation template. CloudFormation refuses a
 * template whose resources depend on each other in a circle (a key policy naming a role by
 * GetAtt while the role names the key, say), but only at deploy time: `osls package` does not
 * notice. Dependencies are what CloudFormation orders by: Ref, Fn::GetAtt, the names inside
 * Fn::Sub, and DependsOn.
 */
type Resource = { DependsOn?: string | string[]; Properties?: unknown; [key: string]: unknown };

/** Logical ids `value` refers to (pseudo parameters such as AWS::Region excluded). */
export function referencedIds(value: unknown, ids: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  const add = (id: string | undefined) => {
    if (id !== undefined && ids.has(id)) found.add(id);
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, inner] of Object.entries(node)) {
      if (key === 'Ref' && typeof inner === 'string') add(inner);
      else if (key === 'Fn::GetAtt') add(Array.isArray(inner) ? String(inner[0]) : String(inner).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(inner) ? [String(inner[0]), inner[1] as Record<string, unknown>] : [String(inner), {}];
        for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = match[1]!.split('.')[0]!;
          if (!(name in variables)) add(name);
        }
        visit(variables);
        continue;
      }
      visit(inner);
    }
  };
  visit(value);
  return found;
}

/** Every cycle found by a depth-first walk, each as the ids along it (first id repeated at the end). */
export function dependencyCycles(resources: Record<string, Resource>): string[][] {
  const ids = new Set(Object.keys(resources));
  const edges = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(resources)) {
    const { DependsOn, ...rest } = resource;
    edges.set(id, [...new Set([...referencedIds(rest, ids), ...[DependsOn ?? []].flat()])]);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const walk = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(id)), id]);
      return;
    }
    state.set(id, 'visiting');
    path.push(id);
    for (const next of edges.get(id) ?? []) walk(next);
    path.pop();
    state.set(id, 'done');
  };
  for (const id of ids) walk(id);
  return cycles;
}
