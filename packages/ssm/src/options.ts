// The one option table of SSM's sender.cfg / receiver.cfg, and the resolver from an INI file to typed SsmConfig.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@sarra/common';
import { parseIni, type IniEntry } from './ini.js';

/** Which end a configuration is for. */
export type Role = 'sender' | 'receiver';
type Kind = 'string' | 'bool' | 'int' | 'enum';

interface OptionSpec {
  section: string;
  key: string;
  kind: Kind;
  /** Roles that must give it (a missing one is a ConfigError naming the file). */
  required?: Role[];
  default?: string;
  values?: string[];
  /** SSM reads it but sarra-ts does not act on it: accepted with a warning. */
  ignored?: string;
  /** A sarra-ts addition SSM does not have. */
  extension?: boolean;
  doc: string;
}

const BOTH: Role[] = ['sender', 'receiver'];

/** Every key SSM (4.x) reads, plus sarra-ts's few extensions; anything else is an error. */
export const OPTIONS: readonly OptionSpec[] = [
  { section: 'sender', key: 'protocol', kind: 'enum', values: ['STOMP', 'AMQP'], default: 'STOMP', doc: 'messaging protocol: STOMP (SSM), or AMQP (sarra-ts; AMS is not offered)' },
  { section: 'receiver', key: 'protocol', kind: 'enum', values: ['STOMP', 'AMQP'], default: 'STOMP', doc: 'messaging protocol: STOMP (SSM), or AMQP (sarra-ts; AMS is not offered)' },
  { section: 'broker', key: 'host', kind: 'string', required: BOTH, doc: 'STOMP broker host name' },
  { section: 'broker', key: 'port', kind: 'int', required: BOTH, doc: 'STOMP broker port (61613 plain, 61614 TLS on RabbitMQ)' },
  { section: 'broker', key: 'use_ssl', kind: 'bool', default: 'false', doc: 'TLS to the broker, with certificate/key as client credentials and capath as trust' },
  { section: 'broker', key: 'bdii', kind: 'string', ignored: 'BDII broker discovery is not offered; give host and port', doc: 'BDII URL (SSM)' },
  { section: 'broker', key: 'network', kind: 'string', ignored: 'BDII broker discovery is not offered; give host and port', doc: 'BDII network (SSM)' },
  { section: 'broker', key: 'username', kind: 'string', extension: true, doc: 'STOMP login (sarra-ts; SSM sends none)' },
  { section: 'broker', key: 'password', kind: 'string', extension: true, doc: 'STOMP passcode (sarra-ts)' },
  { section: 'broker', key: 'vhost', kind: 'string', extension: true, doc: 'STOMP 1.2 host header: the RabbitMQ virtual host (sarra-ts)' },
  { section: 'certificates', key: 'certificate', kind: 'string', required: BOTH, doc: 'PEM host certificate: signs (sender), decrypts (receiver)' },
  { section: 'certificates', key: 'key', kind: 'string', required: BOTH, doc: 'PEM private key of certificate' },
  { section: 'certificates', key: 'capath', kind: 'string', required: BOTH, doc: 'directory of trusted CA certificates (and CRLs, <hash>.r0)' },
  { section: 'certificates', key: 'check_crls', kind: 'bool', default: 'false', doc: 'check the signer against the CRLs in capath' },
  { section: 'certificates', key: 'server_cert', kind: 'string', doc: 'sender: encrypt every message to this certificate' },
  { section: 'certificates', key: 'verify_server_cert', kind: 'bool', default: 'true', doc: 'sender: verify server_cert against capath at start' },
  { section: 'certificates', key: 'cipher', kind: 'enum', values: ['aes128', 'aes192', 'aes256'], default: 'aes128', extension: true, doc: 'sender: content cipher of encryption (sarra-ts; SSM uses aes128)' },
  { section: 'messaging', key: 'destination', kind: 'string', required: BOTH, doc: 'STOMP destination sent to / subscribed to, e.g. /queue/ssm2test' },
  { section: 'messaging', key: 'path', kind: 'string', required: BOTH, doc: 'sender: the outgoing spool; receiver: parent of incoming/ and reject/' },
  { section: 'messaging', key: 'path_type', kind: 'enum', values: ['dirq', 'directory'], default: 'dirq', doc: 'spool kind: python-dirq QueueSimple, or a plain directory' },
  { section: 'messaging', key: 'ams_project', kind: 'string', ignored: 'AMS is not offered', doc: 'AMS project (SSM)' },
  { section: 'messaging', key: 'token', kind: 'string', ignored: 'AMS is not offered', doc: 'AMS token (SSM)' },
  { section: 'logging', key: 'logfile', kind: 'string', doc: 'log file (absent: stderr only)' },
  { section: 'logging', key: 'level', kind: 'enum', values: ['DEBUG', 'INFO', 'WARN', 'WARNING', 'ERROR', 'CRITICAL'], default: 'INFO', doc: 'log level' },
  { section: 'logging', key: 'console', kind: 'bool', default: 'true', doc: 'also log to the console (stderr)' },
  { section: 'daemon', key: 'pidfile', kind: 'string', doc: 'receiver: pid file written at start, removed at exit' },
];

/** Typed configuration of one SSM end, resolved once from its INI file. */
export interface SsmConfig {
  file: string;
  role: Role;
  /** The wire: STOMP (SSM's), or AMQP 0-9-1. */
  protocol: 'STOMP' | 'AMQP';
  broker: { host: string; port: number; useSsl: boolean; username?: string; password?: string; vhost?: string };
  certificates: { certificate: string; key: string; capath: string; checkCrls: boolean; serverCert?: string; verifyServerCert: boolean; cipher: 'aes128' | 'aes192' | 'aes256' };
  messaging: { destination: string; path: string; pathType: 'dirq' | 'directory' };
  logging: { logfile?: string; level: 'debug' | 'info' | 'warning' | 'error' | 'critical'; console: boolean };
  pidfile?: string;
  /** One line per key read but not acted upon (BDII, AMS). */
  warnings: string[];
}

const TRUE = new Set(['1', 'yes', 'true', 'on']);
const FALSE = new Set(['0', 'no', 'false', 'off']);

function convert(spec: OptionSpec, e: IniEntry, file: string): string | number | boolean {
  const where = { file, line: e.line };
  const v = e.value;
  switch (spec.kind) {
    case 'bool':
      if (TRUE.has(v.toLowerCase())) return true;
      if (FALSE.has(v.toLowerCase())) return false;
      throw new ConfigError(`[${spec.section}] ${spec.key}: not a boolean: '${v}' (true/false, yes/no, on/off, 1/0)`, where);
    case 'int':
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new ConfigError(`[${spec.section}] ${spec.key}: not a port number: '${v}'`, where);
      return Number(v);
    case 'enum': {
      const hit = spec.values!.find((x) => x.toLowerCase() === v.toLowerCase());
      if (!hit) throw new ConfigError(`[${spec.section}] ${spec.key}: '${v}' is not one of ${spec.values!.join(', ')}`, where);
      return hit;
    }
    default:
      return v;
  }
}

/**
 * Resolves SSM INI `text` (from `file`) for `role`. Throws ConfigError with `file:line` for an unknown
 * section or key, a bad value, an empty required value; and with `file` for a missing required key.
 */
export function resolveConfig(text: string, file: string, role: Role): SsmConfig {
  const ini = parseIni(text, file);
  const values = new Map<string, string | number | boolean>();
  const warnings: string[] = [];
  const sectionNames = new Set(OPTIONS.map((o) => o.section));
  for (const [section, line] of ini.sections) {
    if (!sectionNames.has(section)) throw new ConfigError(`unknown section [${section}]; known: ${[...sectionNames].map((s) => `[${s}]`).join(' ')}`, { file, line });
  }
  for (const e of ini.entries) {
    const spec = OPTIONS.find((o) => o.section === e.section && o.key === e.key);
    if (!spec) {
      const known = OPTIONS.filter((o) => o.section === e.section).map((o) => o.key);
      throw new ConfigError(`unknown key '${e.key}' in [${e.section}]; known: ${known.join(', ')}`, { file, line: e.line });
    }
    if (spec.ignored) { warnings.push(`${file}:${e.line}: [${e.section}] ${e.key} ignored: ${spec.ignored}`); continue; }
    if (e.value === '' && spec.required?.includes(role)) throw new ConfigError(`[${e.section}] ${e.key} is empty`, { file, line: e.line });
    if (e.value === '' && spec.kind !== 'string') continue;
    values.set(`${e.section}.${e.key}`, convert(spec, e, file));
  }
  for (const spec of OPTIONS) {
    const id = `${spec.section}.${spec.key}`;
    if (values.has(id)) continue;
    if (spec.required?.includes(role)) throw new ConfigError(`missing required key '${spec.key}' in [${spec.section}]`, { file });
    if (spec.default !== undefined) values.set(id, convert(spec, { section: spec.section, key: spec.key, value: spec.default, line: 0 }, file));
  }
  const s = (id: string) => values.get(id) as string | undefined;
  const level = String(values.get('logging.level')).toLowerCase();
  return {
    file, role, warnings,
    protocol: (values.get(`${role}.protocol`) ?? 'STOMP') as SsmConfig['protocol'],
    broker: { host: s('broker.host')!, port: values.get('broker.port') as number, useSsl: values.get('broker.use_ssl') as boolean,
      username: s('broker.username'), password: s('broker.password'), vhost: s('broker.vhost') },
    certificates: { certificate: s('certificates.certificate')!, key: s('certificates.key')!, capath: s('certificates.capath')!,
      checkCrls: values.get('certificates.check_crls') as boolean, serverCert: s('certificates.server_cert') || undefined,
      verifyServerCert: values.get('certificates.verify_server_cert') as boolean, cipher: s('certificates.cipher') as SsmConfig['certificates']['cipher'] },
    messaging: { destination: s('messaging.destination')!, path: s('messaging.path')!, pathType: s('messaging.path_type') as 'dirq' | 'directory' },
    logging: { logfile: s('logging.logfile') || undefined, console: values.get('logging.console') as boolean,
      level: (level === 'warn' ? 'warning' : level) as SsmConfig['logging']['level'] },
    pidfile: s('daemon.pidfile') || undefined,
  };
}

/** Reads and resolves an SSM configuration file; a missing file is a ConfigError. */
export async function loadConfig(file: string, role: Role): Promise<SsmConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err: unknown) {
    throw new ConfigError(`cannot read configuration: ${(err as Error).message}`, { file, cause: err });
  }
  return resolveConfig(text, file, role);
}
