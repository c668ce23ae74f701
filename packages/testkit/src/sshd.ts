// Testkit: a private OpenSSH sshd (sftp via internal-sftp) on a random loopback port, with its own
// host key, user key, authorized_keys and known_hosts; stoppable and restartable on the same port.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { descendants, freePort, kill9, killAtExit, signalTree, waitForPort } from './child.js';

export const SSHD_BIN = '/usr/sbin/sshd';
const run = promisify(execFile);

export interface SshdHandle {
  port: number;
  host: '127.0.0.1';
  /** The user the tests log in as (the current user). */
  user: string;
  /** Private key (ed25519, no passphrase) authorized for `user`. */
  keyFile: string;
  /** known_hosts with this server's key for [127.0.0.1]:port and [localhost]:port. */
  knownHosts: string;
  /** Start directory of sftp sessions (relative paths land here). */
  root: string;
  /** sftp://<user>@127.0.0.1:<port> */
  url: string;
  /** The public host key line ("ssh-ed25519 AAAA..."). */
  hostKey: string;
  /** Stops sshd and every session it forked (connections are cut). The port stays reserved for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same keys (no-op when running). */
  start(): Promise<void>;
  /** Freezes sshd and every session (SIGSTOP): connections stay open but nothing answers (a hung server). */
  pause(): Promise<void>;
  /** Undoes pause() (SIGCONT). */
  resume(): Promise<void>;
  /** Stops sshd and removes its temporary directory (and `root` when the testkit created it). */
  cleanup(): Promise<void>;
  /** sshd's stderr (-e) since the last start: for diagnosing a failed test. */
  log(): string;
}

/** Kills sshd and every session process it forked (so open connections drop, as in a real outage). */
async function killTree(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  for (const d of descendants(child.pid)) kill9(d);
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}

/**
 * Starts sshd on 127.0.0.1:<free port> as the current user (root in CI: PermitRootLogin yes), key auth
 * only, sftp start directory `root` (a new temp dir unless given). Waits until the port accepts.
 * @throws Error when /usr/sbin/sshd or ssh-keygen is missing, or sshd does not come up within 10 s.
 */
export async function startSshd(opts: { root?: string; port?: number } = {}): Promise<SshdHandle> {
  if (!existsSync(SSHD_BIN)) throw new Error(`sshd not installed (${SSHD_BIN} missing): run tools/services.sh`);
  const dir = await mkdtemp(join(tmpdir(), 'sarra-sshd-'));
  const ownRoot = opts.root === undefined;
  const root = opts.root ?? await mkdtemp(join(tmpdir(), 'sarra-sftp-root-'));
  const user = userInfo().username;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && !existsSync('/run/sshd')) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKeyFile = join(dir, 'ssh_host_ed25519_key');
  const keyFile = join(dir, 'id_ed25519');
  try {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sarra-testkit-host', '-f', hostKeyFile]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sarra-testkit-user', '-f', keyFile]);
  } catch (e: unknown) {
    throw new Error(`ssh-keygen failed (is openssh-client installed? run tools/services.sh): ${(e as Error).message}`, { cause: e });
  }
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${keyFile}.pub`), { mode: 0o600 });
  const port = opts.port ?? await freePort();
  const hostKey = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${port},[localhost]:${port} ${hostKey}\n`);
  await writeFile(join(dir, 'sshd_config'), [
    `ListenAddress 127.0.0.1`,
    `HostKey ${hostKeyFile}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    `PermitRootLogin ${isRoot ? 'yes' : 'no'}`,
    `AllowUsers ${user}`,
    'MaxStartups 100:30:200',
    'MaxSessions 64',
    'LogLevel INFO',
    `Subsystem sftp internal-sftp -d ${root}`,
    '',
  ].join('\n'));

  let child: ChildProcess | undefined;
  let stderr = '';
  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    stderr = '';
    const c = spawn(SSHD_BIN, ['-D', '-e', '-f', join(dir, 'sshd_config'), '-p', String(port)],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    child = killAtExit(c);
    c.on('error', (e: Error) => { stderr += `spawn: ${e.message}\n`; });
    c.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    try {
      await waitForPort(port, 10_000, c, 'sshd');
    } catch (e: unknown) {
      await killTree(c);
      throw new Error(`${(e as Error).message}\n${stderr}`, { cause: e });
    }
  };
  const stop = async (): Promise<void> => {
    if (child) {
      await signalTree(child, 'SIGCONT'); // a paused tree cannot act on SIGTERM
      await killTree(child);
    }
  };
  await start();
  return {
    port, host: '127.0.0.1', user, keyFile, knownHosts, root, hostKey,
    url: `sftp://${user}@127.0.0.1:${port}`,
    start, stop, log: () => stderr,
    pause: async () => { if (child) await signalTree(child, 'SIGSTOP'); },
    resume: async () => { if (child) await signalTree(child, 'SIGCONT'); },
    async cleanup() {
      await stop();
      await rm(dir, { recursive: true, force: true });
      if (ownRoot) await rm(root, { recursive: true, force: true });
    },
  };
}
