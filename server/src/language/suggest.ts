/** "Did you mean" for misspelt keys, kinds and values. */

export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** The nearest candidates, closest first; only those close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[], most = 3): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3));
  return candidates
    .map((candidate) => ({ candidate, distance: editDistance(word.toLowerCase(), candidate) }))
    .filter((c) => c.distance <= limit || c.candidate.startsWith(word.toLowerCase()))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, most)
    .map((c) => c.candidate);
}
