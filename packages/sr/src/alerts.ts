// Alerts of `sr status`: what needs a look though the state may say `run` (lag beyond messageAgeMax, a retry queue growing).
import { num, type MetricsSample } from './metrics.js';

/** How long (s) a retry queue must have grown, without ever shrinking, to be an alert. */
const RETRY_GROWTH_S = 600;

/**
 * True when the depth samples ([ms since epoch, messages], oldest first, as the instance keeps them in its metrics
 * file: `retry.depthHistory`) cover at least {@link RETRY_GROWTH_S} and never went down over that span, ending higher.
 */
function retryGrowing(history: unknown): { from: number; to: number } | undefined {
  if (!Array.isArray(history)) return undefined;
  const points = history.filter((p): p is [number, number] => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isFinite(v)));
  const newest = points.at(-1);
  if (!newest) return undefined;
  // the last sample old enough to open the span: from there on, every step must be flat or up
  let start = -1;
  for (let i = points.length - 1; i >= 0; i--) if (newest[0] - points[i]![0] >= RETRY_GROWTH_S * 1000) { start = i; break; }
  if (start < 0) return undefined;
  for (let i = start + 1; i < points.length; i++) if (points[i]![1] < points[i - 1]![1]) return undefined;
  return newest[1] > points[start]![1] ? { from: points[start]![1], to: newest[1] } : undefined;
}

/** The alert lines of one configuration from its current metrics files; `ageLimit` is messageAgeMax (s), 0 = none. */
export function alertsOf(fresh: MetricsSample[], lagMax: number, ageLimit: number): string[] {
  const out: string[] = [];
  if (ageLimit > 0) {
    // notices past messageAgeMax are rejected (504) before their lag is counted: their count says the flow lags
    const tooOld = fresh.reduce((a, m) => a + num(m.data.log?.tooOldCount), 0);
    if (tooOld > 0) out.push(`lag exceeds messageAgeMax ${ageLimit}s: ${tooOld} notice(s) rejected as too old since the last housekeeping`);
    else if (lagMax > ageLimit) out.push(`lag ${lagMax.toFixed(1)}s exceeds messageAgeMax ${ageLimit}s`);
  }
  for (const m of [...fresh].sort((a, b) => a.instance - b.instance)) {
    const g = retryGrowing(m.data.retry?.depthHistory);
    if (g) out.push(`instance ${m.instance}: retry queue grew from ${num(g.from)} to ${num(g.to)} over ${RETRY_GROWTH_S / 60} min`);
  }
  return out;
}
