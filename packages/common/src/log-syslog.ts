// `logSyslog`: a winston transport to syslog or journald, over UDP (node:dgram) or a local datagram socket such as
// /dev/log (Node has no unix datagram sockets: util-linux `logger --socket`, one child process, takes the lines).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { hostname } from 'node:os';
import Transport from 'winston-transport';
import type { Info } from './log-transports.js';

/** RFC 5424 severities of our levels; the facility is user (1). */
const SEVERITY: Record<string, number> = { critical: 2, error: 3, warning: 4, info: 6, debug: 7 };
const FACILITY_USER = 1;
const TAG = 'sarra-ts';

/** Where `logSyslog` sends: `udp://host:port`, or the path of a local datagram socket. Throws with the reason. */
export function parseSyslogTarget(value: string): { udp?: { host: string; port: number }; socket?: string } {
  if (value.startsWith('/')) return { socket: value };
  const m = /^udp:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(value);
  if (!m) throw new Error(`${value}: give a socket path (/dev/log) or udp://host[:port]`);
  const port = Number(m[2] ?? 514);
  if (port < 1 || port > 65535) throw new Error(`${value}: not a port number`);
  return { udp: { host: m[1]!.replace(/^\[|\]$/g, ''), port } };
}

/** Sends each record as one datagram `<PRI>` + `name message` (syslog stamps time and host itself on a socket). */
export class SyslogTransport extends Transport {
  private udp?: Socket;
  private child?: ChildProcess;
  private pending = 0;
  private idle?: () => void;
  constructor(private readonly target: ReturnType<typeof parseSyslogTarget>) {
    super();
    if (target.udp) {
      this.udp = createSocket(target.udp.host.includes(':') ? 'udp6' : 'udp4');
      this.udp.on('error', (e) => process.stderr.write(`logSyslog: ${e.message}\n`));
    } else {
      this.child = spawn('logger', ['--socket', target.socket!, '--socket-errors=on', '--prio-prefix', '--tag', TAG, `--id=${process.pid}`],
        { stdio: ['pipe', 'ignore', 'inherit'] });
      this.child.on('error', (e) => process.stderr.write(`logSyslog: util-linux logger: ${e.message}\n`));
      this.child.stdin!.on('error', () => {});
    }
  }
  override log(info: Info, next: () => void): void {
    const pri = FACILITY_USER * 8 + (SEVERITY[info.level as string] ?? 6);
    const text = `${info.name as string} ${(info.message as string).replace(/\n/g, ' ')}`;
    if (this.child) {
      this.child.stdin!.write(`<${pri}>${text}\n`);
      next();
      return;
    }
    const { host, port } = this.target.udp!;
    const stamp = new Date().toISOString();
    this.pending++;
    this.udp!.send(`<${pri}>1 ${stamp} ${hostname()} ${TAG} ${process.pid} - - ${text}`, port, host, () => {
      if (--this.pending === 0) this.idle?.();
    });
    next();
  }
  override _final(done: () => void): void {
    if (this.child) {
      if (this.child.exitCode !== null || !this.child.pid) done();
      else {
        this.child.once('close', () => done());
        this.child.stdin!.end();
      }
      return;
    }
    const close = (): void => { this.udp!.close(() => done()); };
    if (this.pending === 0) close();
    else this.idle = close;
  }
}
