// `sr systemd install|remove --user|--system`: the units of tools/systemd written with this installation's paths, then enabled.
import { execFile } from 'node:child_process';
import { readFile, readdir, rm, unlink, writeFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, mkdirp, type Env } from '@sarra/common';

/** Units written but not enabled: systemctl is absent or systemd is not running (a container). */
const EXIT_NOT_ENABLED = 3;

const TEMPLATES = new URL('../../../tools/systemd/', import.meta.url);

/** A unit file: its template in tools/systemd and its name once installed. */
interface Unit { template: string; name: string }

const UNITS: Record<'user' | 'system', Unit[]> = {
  user: [
    { template: 'sarra_user.service', name: 'sarra.service' },
    { template: 'sarra-sanity.service', name: 'sarra-sanity.service' },
    { template: 'sarra-sanity.timer', name: 'sarra-sanity.timer' },
  ],
  system: [
    { template: 'sarra_system.service', name: 'sarra.service' },
    { template: 'sarra@.service', name: 'sarra@.service' },
    { template: 'sarra-sanity.service', name: 'sarra-sanity.service' },
    { template: 'sarra-sanity.timer', name: 'sarra-sanity.timer' },
  ],
};
/** The units `enable` starts at boot (the template sarra@ is enabled per configuration by its user). */
const ENABLED = ['sarra.service', 'sarra-sanity.timer'];

/** The system account of tools/systemd (sarra.sysusers): the sanity check runs as it, beside `sr start`. */
const SYSTEM_ACCOUNT = ['User=sarra', 'Group=sarra', 'Environment=HOME=/var/lib/sarra', 'WorkingDirectory=/var/lib/sarra'];

/** Where systemd reads a user's or the system's own units. */
function defaultUnitDir(scope: 'user' | 'system', env: Env): string {
  if (scope === 'system') return '/etc/systemd/system';
  return join(env.XDG_CONFIG_HOME || join(env.HOME || '/', '.config'), 'systemd', 'user');
}

/**
 * A template with this installation's command (`node /path/bin/sr.js` instead of `/usr/bin/env sr`, which systemd's PATH
 * may not find) and, for a user, the XDG directories this shell uses; for the system, the sanity check as the sarra account.
 */
function renderUnit(text: string, scope: 'user' | 'system', sr: string, env: Env): string {
  const lines = text.replace(/\/usr\/bin\/env sr\b/g, sr).split('\n');
  const extra = scope === 'system'
    ? (lines.some((l) => l.startsWith('User=')) ? [] : SYSTEM_ACCOUNT)
    : (['XDG_CONFIG_HOME', 'XDG_CACHE_HOME'] as const).filter((v) => env[v]).map((v) => `Environment=${v}=${env[v]}`);
  const at = lines.indexOf('[Service]');
  if (at >= 0) lines.splice(at + 1, 0, ...extra);
  return lines.join('\n');
}

/** Runs systemctl; the reason it could not, or undefined once it succeeded. */
async function systemctl(scope: 'user' | 'system', args: string[], env: Env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('systemctl', [`--${scope}`, ...args], { env: env as NodeJS.ProcessEnv }, (err, _out, stderr) => {
      if (!err) resolve(undefined);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') resolve('systemctl is not installed');
      else resolve(`systemctl --${scope} ${args.join(' ')}: ${stderr.trim().split('\n')[0] || err.message}`);
    });
  });
}

/** systemd answers (is-system-running prints offline when it is not PID 1, as in a container, and fails without a bus). */
async function systemdDown(scope: 'user' | 'system', env: Env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('systemctl', [`--${scope}`, 'is-system-running'], { env: env as NodeJS.ProcessEnv }, (err, out, stderr) => {
      const state = out.trim();
      if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') resolve('systemctl is not installed');
      else if (state === 'offline' || state === '' || /bus|booted/i.test(stderr)) {
        resolve(`systemd is not running here (${state || stderr.trim().split('\n')[0] || 'no answer'})`);
      } else resolve(undefined);
    });
  });
}

async function install(scope: 'user' | 'system', dir: string, sr: string, env: Env, say: (l: string) => void): Promise<number> {
  await mkdirp(dir);
  for (const u of UNITS[scope]) {
    const text = await readFile(new URL(u.template, TEMPLATES), 'utf8');
    await writeFile(join(dir, u.name), renderUnit(text, scope, sr, env), { mode: 0o644 });
    say(`wrote ${join(dir, u.name)}`);
  }
  const down = await systemdDown(scope, env);
  const enable = `systemctl --${scope} daemon-reload && systemctl --${scope} enable --now ${ENABLED.join(' ')}`;
  if (down) {
    say(`not enabled: ${down}. Where systemd runs: ${enable}`);
    return EXIT_NOT_ENABLED;
  }
  const failed = await systemctl(scope, ['daemon-reload'], env) ?? await systemctl(scope, ['enable', ...ENABLED], env);
  if (failed) {
    say(`not enabled: ${failed}`);
    return 1;
  }
  say(`enabled ${ENABLED.join(' ')}; start now: systemctl --${scope} start ${ENABLED.join(' ')}` +
    (scope === 'user' ? '; keep running without a login: loginctl enable-linger' : ''));
  return 0;
}

async function remove(scope: 'user' | 'system', dir: string, env: Env, say: (l: string) => void): Promise<number> {
  const names = UNITS[scope].map((u) => u.name);
  const down = await systemdDown(scope, env);
  if (!down) {
    const failed = await systemctl(scope, ['disable', '--now', ...ENABLED], env);
    if (failed) say(`warning: ${failed}`);
  }
  // without systemctl, the links enable made in <dir>/*.wants go too
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isDirectory() || !e.name.endsWith('.wants')) continue;
    for (const l of await readdir(join(dir, e.name)).catch(() => [] as string[])) {
      const target = await readlink(join(dir, e.name, l)).catch(() => '');
      if (names.includes(l) && target.startsWith(dir)) await unlink(join(dir, e.name, l));
    }
  }
  for (const n of names) {
    await rm(join(dir, n), { force: true });
    say(`removed ${join(dir, n)}`);
  }
  if (down) say(`nothing disabled: ${down}`);
  else await systemctl(scope, ['daemon-reload'], env);
  return 0;
}

const USAGE = 'usage: sr systemd install|remove --user|--system [--unit-dir DIR]\n';

/**
 * `sr systemd install|remove`. The command written into the units is this process's node and sr script.
 * @returns 0 done; EXIT_NOT_ENABLED (3) units written but not enabled (systemctl absent, systemd not running); 1 failed; 2 usage.
 */
export async function systemdMain(argv: string[], env: Env = process.env): Promise<number> {
  const say = (l: string): void => void process.stdout.write(`${l}\n`);
  let values: { user?: boolean; system?: boolean; 'unit-dir'?: string; help?: boolean }, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: {
      user: { type: 'boolean' }, system: { type: 'boolean' }, 'unit-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    } }));
  } catch (err: unknown) {
    process.stderr.write(`sr systemd: ${describeError(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}Writes (or deletes) sarra.service and the sanity timer (tools/systemd) for this user or the system,` +
      ` then enables them. --unit-dir: write there instead of systemd's directory. Exit 3: written, not enabled.\n`);
    return 0;
  }
  const verb = positionals[0];
  if ((verb !== 'install' && verb !== 'remove') || positionals.length > 1 || values.user === values.system) {
    process.stderr.write(`sr systemd: ${verb && verb !== 'install' && verb !== 'remove' ? `unknown verb '${verb}'` : 'say install or remove, and --user or --system'}\n${USAGE}`);
    return 2;
  }
  const scope = values.user ? 'user' : 'system';
  const dir = values['unit-dir'] ?? defaultUnitDir(scope, env);
  try {
    if (verb === 'remove') return await remove(scope, dir, env, say);
    const quote = (p: string): string => (/\s/.test(p) ? `"${p}"` : p);
    return await install(scope, dir, `${quote(process.execPath)} ${quote(process.argv[1] ?? 'sr')}`, env, say);
  } catch (err: unknown) {
    process.stderr.write(`sr systemd ${verb}: ${describeError(err)}\n`);
    return 1;
  }
}
