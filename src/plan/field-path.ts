/**
 * Renders a field path (as zod reports it: keys and array indices) for error messages:
 * `['steps', 2, 'retry', 'maxAttempts']` → `steps[2].retry.maxAttempts`. Keys that are not plain
 * identifiers are quoted: `['headers', 'x-id']` → `headers["x-id"]`.
 */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** Appends `path` to a prefix: `joinFieldPath('steps[0].input', ['a', 1])` → `steps[0].input.a[1]`. */
export function joinFieldPath(prefix: string, path: readonly PropertyKey[]): string {
  const rest = formatFieldPath(path);
  if (!prefix) return rest;
  if (!rest) return prefix;
  return rest.startsWith('[') ? prefix + rest : `${prefix}.${rest}`;
}
