// When a pass is due (poll, the scheduled plugin): scheduled_interval, scheduled_hour x scheduled_minute, or scheduled_time HH:MM (UTC).
import { ConfigError } from '@sarra/common';

/** A parsed schedule. Appointments are minutes after midnight UTC, sorted. */
export interface Schedule {
  /** seconds between runs; 0 when appointments are used */
  interval: number;
  appointments: number[];
}

function ints(list: string[], max: number, what: string): number[] {
  const out: number[] = [];
  for (const item of list) {
    for (const w of item.split(/[,\s]+/).filter(Boolean)) {
      const n = Number(w);
      if (!Number.isInteger(n) || n < 0 || n > max) throw new ConfigError(`${what} ${w}: expected an integer 0..${max}`);
      out.push(n);
    }
  }
  return out;
}

/**
 * Builds the schedule from the sr3 options. scheduled_time wins over hour/minute; hour without minute
 * means minute 0; minute without hour means every hour. None of them: every `scheduled_interval`
 * seconds (legacy `sleep > 1` is mapped to it by the config resolver), default 300 s.
 * @throws ConfigError for a malformed hour, minute or HH:MM.
 */
export function parseSchedule(o: { scheduled_interval?: number; scheduled_hour?: string[]; scheduled_minute?: string[];
  scheduled_time?: string[]; sleep?: number }): Schedule {
  const times = (o.scheduled_time ?? []).flatMap((t) => t.split(/[,\s]+/).filter(Boolean));
  if (times.length) {
    const appts = times.map((t) => {
      const m = /^(\d{1,2}):(\d{2})$/.exec(t);
      if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new ConfigError(`scheduled_time ${t}: expected HH:MM`);
      return Number(m[1]) * 60 + Number(m[2]);
    });
    return { interval: 0, appointments: [...new Set(appts)].sort((a, b) => a - b) };
  }
  const hours = ints(o.scheduled_hour ?? [], 23, 'scheduled_hour');
  const minutes = ints(o.scheduled_minute ?? [], 59, 'scheduled_minute');
  if (hours.length || minutes.length) {
    const hs = hours.length ? hours : Array.from({ length: 24 }, (_, i) => i);
    const ms = minutes.length ? minutes : [0];
    const appts = hs.flatMap((h) => ms.map((m) => h * 60 + m));
    return { interval: 0, appointments: [...new Set(appts)].sort((a, b) => a - b) };
  }
  const interval = o.scheduled_interval && o.scheduled_interval > 0 ? o.scheduled_interval
    : o.sleep && o.sleep > 1 ? o.sleep : 300;
  return { interval, appointments: [] };
}

/**
 * The next run time (ms since epoch) after `now`. An interval schedule runs at once the first time
 * (`lastRun` undefined), then `interval` after the previous run start (never in the past: a late
 * run does not cause a burst). Appointments run at the next HH:MM strictly after `now` (UTC).
 */
export function nextRun(s: Schedule, lastRun: number | undefined, now: number): number {
  if (!s.appointments.length) {
    if (lastRun === undefined) return now;
    return Math.max(now, lastRun + s.interval * 1000);
  }
  const day = Math.floor(now / 86_400_000) * 86_400_000;
  for (let d = 0; d < 2; d++) {
    for (const a of s.appointments) {
      const t = day + d * 86_400_000 + a * 60_000;
      if (t > now) return t;
    }
  }
  return day + 2 * 86_400_000 + s.appointments[0]! * 60_000;
}
