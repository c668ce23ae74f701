// Where the sample tree lives: test/data/wxo-dd-sample in the repository (1,135 files, 3 MB: a copy of the
// WXO-DD sample the flow tests count), or $SARRA_SAMPLE. Read-only: copy it before writing.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function locate(): string {
  const dir = process.env.SARRA_SAMPLE || resolve(repo, 'test/data/wxo-dd-sample');
  if (!existsSync(resolve(dir, '20200105'))) throw new Error(`sample tree not found in ${dir} (set SARRA_SAMPLE)`);
  return dir;
}

/** The sample tree root (holds `20200105/WXO-DD/...` and `reject/`). */
export const SAMPLE = locate();
