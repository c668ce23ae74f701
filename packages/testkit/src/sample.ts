// Where the shared sample tree lives: `../shared/data/wxo-dd-sample` beside the repository (as in CI),
// or $SARRA_SAMPLE. Read-only: copy it before writing.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function locate(): string {
  const candidates = [process.env.SARRA_SAMPLE, resolve(repo, '../shared/data/wxo-dd-sample'), '/work/shared/data/wxo-dd-sample'];
  for (const c of candidates) if (c && existsSync(resolve(c, '20200105'))) return c;
  throw new Error(`sample tree not found (looked in ${candidates.filter(Boolean).join(', ')}); set SARRA_SAMPLE`);
}

/** The sample tree root (holds `20200105/WXO-DD/...` and `reject/`). */
export const SAMPLE = locate();
