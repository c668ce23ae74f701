// python-dirq's naming facts shared by QueueSimple and Queue: 8-hex directories, 14-hex element names.
import { mkdir, readdir } from 'node:fs/promises';

/** An intermediate directory: 8 lowercase hex digits. */
const DIRECTORY_RE = /^[0-9a-f]{8}$/;
/** An element: 8 hex seconds, 5 hex microseconds, 1 hex digit fixed per queue object. */
const ELEMENT_RE = /^[0-9a-f]{14}$/;
/** `<directory>/<element>`, the name callers pass around. */
export const DIRELT_RE = /^[0-9a-f]{8}\/[0-9a-f]{14}$/;

let lastMicros = 0;

/** Microseconds since the Epoch, strictly increasing within this process. */
function nowMicros(): number {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastMicros = us > lastMicros ? us : lastMicros + 1;
  return lastMicros;
}

/** A new element name `SSSSSSSSMMMMMR` as python-dirq makes it (`%08x%05x%01x`). */
export function elementName(rndhex: number): string {
  const us = nowMicros();
  const secs = Math.floor(us / 1e6);
  return secs.toString(16).padStart(8, '0') + (us % 1e6).toString(16).padStart(5, '0') + (rndhex & 15).toString(16);
}

/** A random hex digit, as python-dirq picks one per queue object. */
export function randomHex(): number {
  return Math.floor(Math.random() * 16);
}

/** True if `err` is a Node errno error with one of these codes. */
export function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

/** mkdir -p that says whether it created the last step (python-dirq's _special_mkdir). */
export async function specialMkdir(path: string): Promise<boolean> {
  try {
    await mkdir(path);
    return true;
  } catch (err: unknown) {
    if (isErrno(err, 'EEXIST')) return false;
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  await mkdir(path, { recursive: true });
  return true;
}

/** The intermediate directories of a queue at `path`, oldest first ([] while the queue does not exist). */
export async function queueDirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).filter((n) => DIRECTORY_RE.test(n)).sort();
  } catch (err: unknown) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

/** Every element name (`dir/elt`) of a queue at `path`, oldest first; temporary and locked names are not elements. */
export async function elementNames(path: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await queueDirs(path)) {
    const elts = (await readdir(`${path}/${d}`).catch(() => [] as string[])).filter((n) => ELEMENT_RE.test(n)).sort();
    for (const e of elts) out.push(`${d}/${e}`);
  }
  return out;
}
