// Test helper: run a snippet with Debian's python3 and its python3-dirq (the real library), loudly if missing.
import { execFileSync } from 'node:child_process';

const PY = '/usr/bin/python3';

/** Runs `code` with /usr/bin/python3 (argv after it: `args`); returns stdout. Throws naming the fix if dirq is missing. */
export function python(code: string, ...args: string[]): string {
  return pythonWithInput(code, '', ...args);
}

/** As python(), with `input` on the snippet's stdin (for data too big for argv). */
export function pythonWithInput(code: string, input: string, ...args: string[]): string {
  try {
    execFileSync(PY, ['-c', 'import dirq'], { stdio: 'pipe' });
  } catch (err: unknown) {
    throw new Error('python3-dirq is not installed: these interop tests need the real library (apt-get install -y python3-dirq, or tools/services.sh)', { cause: err });
  }
  return execFileSync(PY, ['-c', code, ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
}
