// The receiver's record of accepted `empa-id`s per signer, so a message sent again (a sender that crashed
// between the broker's receipt and removing it from its spool) is stored once. Kept beside incoming/ and
// reject/ as `<path>/.ssmreceive-seen` (python-dirq never looks there), one `time\tsigner\tempa-id` line each.
import { appendFile, readFile, writeFile, rename } from 'node:fs/promises';

/** How long an id is remembered. @default 7 days */
const KEEP_MS = 7 * 86_400_000;

const key = (signer: string, empaid: string) => `${signer.replace(/[\t\n]/g, ' ')}\t${empaid.replace(/[\t\n]/g, ' ')}`;

/** Accepted ids of the last KEEP_MS, on disk and in memory. */
export class SeenIds {
  private readonly ids = new Map<string, number>();
  private constructor(private readonly file: string) {}

  /** Loads `<path>/.ssmreceive-seen`, dropping expired lines (the file is rewritten compacted). */
  static async open(path: string, now = Date.now()): Promise<SeenIds> {
    const s = new SeenIds(`${path}/.ssmreceive-seen`);
    const text = await readFile(s.file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const [t, signer, id] = line.split('\t');
      if (id !== undefined && now - Number(t) < KEEP_MS) s.ids.set(`${signer}\t${id}`, Number(t));
    }
    const body = [...s.ids].map(([k, t]) => `${t}\t${k}\n`).join('');
    await writeFile(`${s.file}.tmp`, body);
    await rename(`${s.file}.tmp`, s.file);
    return s;
  }

  /** Was `empaid` from `signer` accepted already? */
  has(signer: string, empaid: string): boolean {
    return this.ids.has(key(signer, empaid));
  }

  /** Records an accepted id (after it is safely in the incoming queue). */
  async add(signer: string, empaid: string, now = Date.now()): Promise<void> {
    const k = key(signer, empaid);
    this.ids.set(k, now);
    await appendFile(this.file, `${now}\t${k}\n`);
  }
}
