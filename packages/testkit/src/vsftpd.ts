// Testkit: a private vsftpd on a random loopback port (passive mode, explicit TLS offered -- or implicit TLS --
// with a self-signed certificate for 127.0.0.1, ASCII type honoured), serving a temp root to a local user
// (password random, made once per machine).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, killAtExit, killTreeSync, waitForPort } from './child.js';

export const VSFTPD_BIN = '/usr/sbin/vsftpd';
/** The local user the testkit logs in as (made by startVsftpd when missing: needs root). */
export const FTP_USER = 'sarraftp';
const run = promisify(execFile);

export interface VsftpdHandle {
  port: number;
  host: '127.0.0.1';
  user: string;
  password: string;
  /** The login directory (relative paths land here); owned by `user`. */
  root: string;
  /** The server's self-signed certificate (PEM file), for 127.0.0.1. */
  certFile: string;
  /** ftp://<user>:<password>@127.0.0.1:<port> */
  url: string;
  /** ftps://<user>:<password>@127.0.0.1:<port> (explicit TLS: AUTH TLS on the same port; implicit TLS with `implicitTls`) */
  ftpsUrl: string;
  /** Stops vsftpd and removes its directories. */
  cleanup(): Promise<void>;
  /** vsftpd's log (protocol lines) so far: for diagnosing a failed test. */
  log(): Promise<string>;
}

/** Where FTP_USER's password is kept (root only), so test files running at once share one password. */
const PASSWORD_FILE = '/var/lib/sarra-testkit/ftp-password';
/** FTP_USER's home directory. */
const FTP_HOME = '/var/lib/sarra-testkit-ftp-home'; // not under the 0700 directory of the password

/**
 * FTP_USER's password: made (random) with the user the first time, then read back. The file appears whole
 * (link of a finished temp file), so a test file starting at the same moment reads it or makes it, never half.
 */
async function ensureUser(): Promise<string> {
  if (process.getuid?.() !== 0) throw new Error(`startVsftpd must run as root (it makes the local user ${FTP_USER})`);
  // vsftpd changes to the user's home before local_root and refuses the login when it is missing
  // ("500 OOPS: cannot change directory"): the home is a real, empty directory
  await mkdir(FTP_HOME, { recursive: true, mode: 0o755 });
  try {
    await run('id', [FTP_USER]);
    if ((await run('getent', ['passwd', FTP_USER])).stdout.split(':')[5] !== FTP_HOME) await run('usermod', ['-d', FTP_HOME, FTP_USER]);
  } catch {
    await run('useradd', ['-M', '-d', FTP_HOME, '-s', '/bin/sh', FTP_USER]).catch(async (e: unknown) => {
      await run('id', [FTP_USER]).catch(() => { throw e; }); // made by another test file meanwhile
    });
  }
  const known = await readFile(PASSWORD_FILE, 'utf8').catch(() => undefined);
  if (known) return known.trim();
  await mkdir(dirname(PASSWORD_FILE), { recursive: true, mode: 0o700 });
  const password = randomBytes(12).toString('hex');
  const setting = run('chpasswd');
  setting.child.stdin?.end(`${FTP_USER}:${password}\n`);
  await setting;
  const tmp = `${PASSWORD_FILE}.${process.pid}`;
  await writeFile(tmp, `${password}\n`, { mode: 0o600 });
  try {
    await link(tmp, PASSWORD_FILE);
    return password;
  } catch {
    // another test file made it first: its password is the one set last or about to be; set it again to be sure
    const theirs = (await readFile(PASSWORD_FILE, 'utf8')).trim();
    const again = run('chpasswd');
    again.child.stdin?.end(`${FTP_USER}:${theirs}\n`);
    await again;
    return theirs;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Starts vsftpd (as root, in the foreground) on 127.0.0.1:<free port>, local user FTP_USER (its password made
 * once, kept in PASSWORD_FILE), login directory a new temp dir, writes allowed, TLS offered but not required (with
 * `implicitTls`, TLS from the first byte: implicit FTPS), ASCII uploads and downloads converted. Waits until the port
 * accepts. The system vsftpd service is never started.
 * @throws Error when /usr/sbin/vsftpd is missing (run tools/services.sh), not root, or it does not come up in 10 s.
 */
export async function startVsftpd(opts: { implicitTls?: boolean } = {}): Promise<VsftpdHandle> {
  if (!existsSync(VSFTPD_BIN)) throw new Error(`vsftpd not installed (${VSFTPD_BIN} missing): run tools/services.sh`);
  const password = await ensureUser();
  const dir = await mkdtemp(join(tmpdir(), 'sarra-vsftpd-'));
  const root = await mkdtemp(join(tmpdir(), 'sarra-ftp-root-'));
  const { stdout } = await run('id', ['-u', FTP_USER]);
  const uid = Number(stdout.trim());
  await chown(root, uid, uid);
  await chmod(dir, 0o755);
  const empty = join(dir, 'empty');
  await mkdir(empty, { mode: 0o755 });
  const certFile = join(dir, 'cert.pem'), keyFile = join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile]);
  const port = await freePort();
  const logFile = join(dir, 'vsftpd.log');
  const conf = join(dir, 'vsftpd.conf');
  await writeFile(conf, [
    'listen=YES', 'listen_ipv6=NO', 'listen_address=127.0.0.1', `listen_port=${port}`, 'background=NO',
    'anonymous_enable=NO', 'local_enable=YES', 'write_enable=YES', 'local_umask=022', `local_root=${root}`,
    'pasv_enable=YES', 'pasv_address=127.0.0.1', 'port_enable=NO', 'use_localtime=NO',
    'pam_service_name=vsftpd', 'userlist_enable=NO', 'seccomp_sandbox=NO', 'isolate=NO', 'isolate_network=NO',
    `secure_chroot_dir=${empty}`, 'max_clients=100', 'max_per_ip=100',
    'ssl_enable=YES', `rsa_cert_file=${certFile}`, `rsa_private_key_file=${keyFile}`, 'allow_anon_ssl=NO',
    'force_local_logins_ssl=NO', 'force_local_data_ssl=NO', 'require_ssl_reuse=NO', `implicit_ssl=${opts.implicitTls ? 'YES' : 'NO'}`,
    'ascii_upload_enable=YES', 'ascii_download_enable=YES',
    'xferlog_enable=YES', 'xferlog_std_format=NO', 'dual_log_enable=NO', `vsftpd_log_file=${logFile}`, 'log_ftp_protocol=YES', 'syslog_enable=NO',
    '',
  ].join('\n'), { mode: 0o600 });

  let stderr = '';
  const child = killAtExit(spawn(VSFTPD_BIN, [conf], { stdio: ['ignore', 'ignore', 'pipe'] }));
  child.on('error', (e: Error) => { stderr += `spawn: ${e.message}\n`; });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const stop = async (): Promise<void> => {
    // the listener and every session it forked (killing only the listener leaves sessions serving)
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      killTreeSync(child.pid);
      await exited;
    }
  };
  try {
    await waitForPort(port, 10_000, child, 'vsftpd');
  } catch (e: unknown) {
    await stop();
    throw new Error(`${(e as Error).message}\n${stderr}`, { cause: e });
  }
  const auth = `${FTP_USER}:${password}@127.0.0.1:${port}`;
  return {
    port, host: '127.0.0.1', user: FTP_USER, password, root, certFile,
    url: `ftp://${auth}`, ftpsUrl: `ftps://${auth}`,
    async log() {
      return `${stderr}${await readFile(logFile, 'utf8').catch(() => '')}`;
    },
    async cleanup() {
      await stop();
      await rm(dir, { recursive: true, force: true });
      await rm(root, { recursive: true, force: true });
    },
  };
}
