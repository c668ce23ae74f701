// "did you mean": the known name nearest to an unknown one (case, underscores and small typos forgiven).
import { DIRECTIVES, OPTIONS } from './options.js';

/** Every name a config line may start with, mapped to the sr3 name to suggest for it. */
function knownNames(extra: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const s of OPTIONS) {
    names.set(s.name, s.name);
    for (const n of s.synonyms) names.set(n, s.name);
    // an inverted or per-component synonym means something else than the option's own name: suggested as is
    for (const n of [...(s.invertedSynonyms ?? []), ...Object.values(s.componentSynonyms ?? {}).flat()]) names.set(n, n);
  }
  for (const d of [...DIRECTIVES, ...extra]) names.set(d, d);
  return names;
}

/** Levenshtein distance (insert, delete, substitute), bounded: returns max+1 once it is past `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]!);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

const squash = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');

/**
 * The known name an unknown `name` most likely means: the same letters ignoring case, `_` and `-`
 * (`post_base_Url` -> post_baseUrl), else the nearest by edit distance (1 for names up to 4 letters,
 * 2 up to 8, 3 beyond). `extra` adds names a callback declared. undefined when nothing is close.
 */
export function suggestName(name: string, extra: readonly string[] = []): string | undefined {
  const names = knownNames(extra);
  const sq = squash(name);
  for (const [n, sr3] of names) if (squash(n) === sq) return sr3;
  const max = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestD = max + 1;
  for (const [n, sr3] of names) {
    const d = editDistance(sq, squash(n), max);
    if (d < bestD) {
      bestD = d;
      best = sr3;
    }
  }
  return best;
}
