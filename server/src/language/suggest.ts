/** "Did you mean" for misspelt keys, kinds and values. */

/** Edits between two words, a swap of neighbours counting as one (the commonest typo: covn). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The nearest candidates, closest first; only those close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[], most = 3): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3));
  // A token longer than any candidate by more than the limit cannot be a typo of it: skip the
  // quadratic distance (a 1 MB token would otherwise cost seconds per candidate).
  const lower = word.toLowerCase();
  if (lower.length > 64) return [];
  return candidates
    .filter((candidate) => Math.abs(candidate.length - lower.length) <= limit || candidate.startsWith(lower))
    .map((candidate) => ({ candidate, distance: editDistance(word.toLowerCase(), candidate) }))
    .filter((c) => c.distance <= limit || c.candidate.startsWith(word.toLowerCase()))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, most)
    .map((c) => c.candidate);
}
