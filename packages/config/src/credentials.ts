// credentials.conf: one URL with its (URL-encoded) password per line, plus optional details.
import { readFile, stat } from 'node:fs/promises';
import { ConfigError, describeError, redact } from '@sarra/common';

const DEFAULT_PORTS: Record<string, string> = {
  amqp: '5672', amqps: '5671', mqtt: '1883', mqtts: '8883', sftp: '22', ftp: '21', ftps: '21', http: '80', https: '443',
};

interface Entry {
  scheme: string;
  user: string;
  host: string;
  port: string;
  /** Password exactly as written (still URL-encoded). */
  password: string;
  details: Record<string, string>;
  line: number;
}

interface Parts {
  scheme: string;
  user: string;
  password: string;
  host: string;
  port: string;
  /** Everything after the authority (path, query). */
  rest: string;
}

/** Split a URL without decoding (passwords stay URL-encoded); undefined if it has no authority. */
function split(url: string): Parts | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d+))?(.*)$/i.exec(url.trim());
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  return {
    scheme,
    user: m[2] ?? '',
    password: m[3] ?? '',
    host: m[4]!.toLowerCase(),
    port: m[5] ?? DEFAULT_PORTS[scheme] ?? '',
    rest: m[6] ?? '',
  };
}

/** Parse `a=b,passive,bt=xyz` into a details map (flags map to 'true'; `bt` is `bearer_token`). */
function parseDetails(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(',')) {
    const t = item.trim();
    if (t === '') continue;
    const eq = t.indexOf('=');
    let k = eq < 0 ? t : t.slice(0, eq).trim();
    const v = eq < 0 ? 'true' : t.slice(eq + 1).trim();
    if (k === 'bt') k = 'bearer_token';
    out[k] = v;
  }
  return out;
}

/** Secrets from credentials.conf, matched to config URLs by scheme, user, host and port. */
export class Credentials {
  private readonly entries: Entry[];
  /**
   * The file is readable (or writable) by group or others: the loader refuses it unless `insecureCredentials`
   * is on (sr3 never checks).
   */
  readonly insecure: boolean;
  /** Permission bits of the file read (e.g. 0o644), when it was read from disk. */
  readonly mode?: number;
  /** Path read (or looked for, when `missing`), if any. */
  readonly file?: string;
  /** `file` does not exist. */
  readonly missing: boolean;
  /** Lines that are not a credential, each as a ConfigError naming file:line; they are skipped, the others kept. */
  readonly problems: readonly ConfigError[];

  private constructor(entries: Entry[], file?: string, opts: { insecure?: boolean; mode?: number; missing?: boolean; problems?: ConfigError[] } = {}) {
    this.entries = entries;
    this.file = file;
    this.insecure = opts.insecure ?? false;
    this.mode = opts.mode;
    this.missing = opts.missing ?? false;
    this.problems = opts.problems ?? [];
  }

  /** No credentials at all. */
  static empty(): Credentials {
    return new Credentials([]);
  }

  /**
   * Parse credentials text, line by line: a line that is not a URL is skipped and kept in `problems` (file:line,
   * password masked), so one typo does not take every other secret with it.
   */
  static parse(text: string, file = 'credentials.conf', insecure = false, mode?: number): Credentials {
    const entries: Entry[] = [];
    const problems: ConfigError[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
      const t = raw.trim();
      if (t === '' || t.startsWith('#')) return;
      const sp = t.search(/\s/);
      const urlText = sp < 0 ? t : t.slice(0, sp);
      const p = split(urlText);
      if (!p || p.host === '') {
        problems.push(new ConfigError(`not a URL (scheme://user:password@host): '${redact(urlText)}'; line ignored`, { file, line: i + 1 }));
        return;
      }
      entries.push({ ...p, details: sp < 0 ? {} : parseDetails(t.slice(sp)), line: i + 1 });
    });
    return new Credentials(entries, file, { insecure, mode, problems });
  }

  /**
   * Read a credentials file; a missing file gives empty credentials (`missing`). Other read errors throw ConfigError.
   * `insecure` is set when any group or other permission bit is (on Windows never).
   */
  static async load(file: string): Promise<Credentials> {
    let text: string;
    let mode: number;
    try {
      text = await readFile(file, 'utf8');
      mode = (await stat(file)).mode & 0o7777;
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Credentials([], file, { missing: true });
      throw new ConfigError(`cannot read credentials: ${describeError(e)}`, { file, cause: e });
    }
    return Credentials.parse(text, file, process.platform !== 'win32' && (mode & 0o077) !== 0, mode);
  }

  /**
   * Where the password sent for `url` (e.g. `amqp://bob@host:5672/`) comes from, in words for an operator whose
   * login was refused: the file and line of the entry used, or that the file has none or does not exist, and the
   * lines of the file that were ignored.
   */
  explain(url: string): string {
    const p = split(url);
    const file = this.file ?? 'credentials.conf';
    if (!p) return `the password comes from ${file}`;
    const at = `${p.scheme}://${p.user}@${p.host}:${p.port}`;
    const e = this.entries.find((c) => c.scheme === p.scheme && c.host === p.host && c.port === p.port && (p.user === '' || c.user === p.user));
    let why: string;
    // the line to add is said without user:password@, which every log redacts
    const add = `a line for ${at}/ with the password after the user name (${p.user}:<password>)`;
    if (e) why = `the password for ${at} comes from ${file}:${e.line}; check it there`;
    else if (p.user === 'anonymous') why = `${file} has no line for ${at}, so the public password 'anonymous' was sent`;
    else if (this.missing) why = `${file} does not exist: create it with ${add}, chmod 600`;
    else why = `${file} has no line for ${at} (the password, if any, came from the configuration's URL): add ${add}`;
    const ignored = this.problems.map((c) => c.line).filter((l): l is number => l !== undefined);
    return ignored.length ? `${why} (${file} line${ignored.length > 1 ? 's' : ''} ${ignored.join(', ')} ignored: not a URL)` : why;
  }

  /** Number of entries (for diagnostics). */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Find the entry for a config URL (scheme, user, host and port must match; a missing port is the
   * scheme's default; a URL without user matches the first entry for that host).
   * Returns the URL with the password filled in (still URL-encoded) and the entry's details;
   * a URL that already has a password is returned as is (with the matching entry's details, if any).
   * An amqp(s) URL of user `anonymous` with no entry gets sr3's public password `anonymous`.
   * undefined when nothing matches and the URL carries no password.
   */
  lookup(url: string): { url: string; details: Record<string, string> } | undefined {
    const p = split(url);
    if (!p) return undefined;
    const e = this.entries.find(
      (c) => c.scheme === p.scheme && c.host === p.host && c.port === p.port && (p.user === '' || c.user === p.user) &&
        (p.password === '' || c.password === p.password),
    );
    if (p.password !== '') return { url, details: { ...(e?.details ?? {}) } };
    const anonymous = !e && p.user === 'anonymous' && (p.scheme === 'amqp' || p.scheme === 'amqps');
    if (!e && !anonymous) return undefined;
    const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/]*@)?(.*)$/i.exec(url.trim())!;
    if (!e) return { url: `${m[1]}anonymous:anonymous@${m[2]}`, details: {} };
    const auth = `${e.user}${e.password !== '' ? `:${e.password}` : ''}@`;
    return { url: `${m[1]}${auth}${m[2]}`, details: { ...e.details } };
  }
}
