/**
 * Host allowlist matching for `http.request`.
 * Entries (case-insensitive): `example.com` matches that host on any port; `example.com:8080` only
 * that port; `*.example.com` any subdomain (not `example.com` itself); IPv6 as `[::1]` or `[::1]:8080`.
 */

/**
 * Checks `url` against `allowlist`.
 * @returns `true` when allowed, otherwise the reason it is refused (for an error message).
 */
export function hostAllowed(url: string, allowlist: readonly string[]): true | string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a valid URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `protocol '${u.protocol}' is not http or https`;
  if (u.username || u.password) return 'credentials in the URL are not allowed';
  if (allowlist.length === 0) return 'no host is allowed (the http.request allowlist is empty)';
  const host = u.hostname.toLowerCase();
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  for (const raw of allowlist) {
    const entry = raw.trim().toLowerCase();
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    const [, pattern = '', entryPort] = m;
    if (entryPort !== undefined && entryPort !== port) continue;
    if (pattern.startsWith('*.')) {
      if (host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1) return true;
    } else if (pattern === host) return true;
  }
  return `host '${u.host}' is not in the allowlist (${allowlist.join(', ')})`;
}
