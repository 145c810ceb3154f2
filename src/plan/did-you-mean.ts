/**
 * "Did you mean" for misspelt keys and names: the optimal-string-alignment edit distance (Damerau's
 * adjacent transpositions plus Levenshtein's insertions, deletions and substitutions) and the
 * closest allowed candidate within a length-dependent bound.
 */

/**
 * Edit distance between `a` and `b` counting insertions, deletions, substitutions and transpositions
 * of two adjacent characters, each 1 (optimal string alignment: no substring is edited twice).
 * O(|a|·|b|) time, O(|b|) memory; compares UTF-16 code units.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** Largest distance still suggested for a word of `length` characters: 1 up to 4, 2 up to 8, else 3. */
export function maxSuggestionDistance(length: number): number {
  return length <= 4 ? 1 : length <= 8 ? 2 : 3;
}

/**
 * The candidate closest to `word`, compared case-insensitively (a case-only difference is distance
 * 0), if within `maxSuggestionDistance(word.length)`; ties go to the earlier candidate. A candidate
 * that starts with a `word` of 4 or more characters counts as distance 1 (a missing unit suffix:
 * `timeout` → `timeoutMs`).
 * @returns undefined when no candidate is close enough (or `candidates` is empty).
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const limit = maxSuggestionDistance(word.length);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = w.length >= 4 && lc.startsWith(w) && lc !== w ? Math.min(1, editDistance(w, lc)) : editDistance(w, lc);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/**
 * The message for keys an object does not allow:
 * `unknown key 'requireApproval' (did you mean 'requiresApproval'?)`, several joined by `; `, and,
 * when no key has a close match, the allowed keys: `unknown key 'x' (allowed: id, action, …)`.
 */
export function unknownKeysMessage(keys: readonly string[], allowed: readonly string[]): string {
  const parts = keys.map((k) => {
    const m = closestMatch(k, allowed);
    return m !== undefined ? `unknown key '${k}' (did you mean '${m}'?)` : `unknown key '${k}'`;
  });
  const anySuggestion = parts.some((p) => p.includes('did you mean'));
  return parts.join('; ') + (anySuggestion ? '' : ` (allowed: ${allowed.join(', ')})`);
}
