// The poll's schedule: the one parser and next-run rule of @sarra/config (the `scheduled` plugin uses it too).
export { nextRun, parseSchedule, type Schedule } from '@sarra/config';
