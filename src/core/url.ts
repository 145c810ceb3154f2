/** URL helpers shared by the planner and the CLI. */

/**
 * Removes user info (`user:password@`) and a trailing slash from a URL before it is recorded in a
 * fact or printed: `http://user:pw@host/v1/` → `http://host/v1`. Input that does not parse as a URL
 * is returned unchanged (callers that require a URL check `URL.canParse` first).
 */
export function withoutUserInfo(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
