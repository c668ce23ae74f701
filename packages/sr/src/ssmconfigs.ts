// SSM receivers as sr configurations: `<config dir>/ssmreceive/<name>.conf` is an SSM receiver.cfg (INI, read by
// @sarra/ssm) and `<name>.dns` beside it its allow-list; `sr start/stop/status/sanity` treat it as one instance.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { configDir, describeError, type Env } from '@sarra/common';
import { defaultsFor, type Options } from '@sarra/config';
import type { ConfigRef } from './select.js';

/** The component name of SSM receivers in the configuration tree. */
export const SSM_COMPONENT = 'ssmreceive';

/** The allow-list of an SSM receiver configuration file: `<name>.dns` beside `<name>.conf`. */
export function dnsFileOf(file: string): string {
  return file.replace(/\.conf$/, '.dns');
}

/** The configuration file of an SSM receiver ref. */
export function ssmFile(ref: ConfigRef, env: Env = process.env): string {
  return ref.file ?? join(configDir(env), SSM_COMPONENT, `${ref.config}.conf`);
}

/** Every `<config dir>/ssmreceive/*.conf`, sorted. */
export async function ssmConfigs(env: Env = process.env): Promise<ConfigRef[]> {
  const dir = join(configDir(env), SSM_COMPONENT);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.conf')).sort().map((n) => ({ component: SSM_COMPONENT, config: n.slice(0, -5), file: join(dir, n) }));
}

/**
 * What keeps an SSM receiver from starting: its INI and dns file errors (`file:line` where known). `options` are
 * sr's defaults with one instance, for the supervisor's bookkeeping only (the receiver reads its own file).
 */
export async function ssmConfigErrors(ref: ConfigRef, env: Env = process.env): Promise<{ options?: Options; errors: string[] }> {
  const { loadConfig, loadDns } = await import('@sarra/ssm');
  const file = ssmFile(ref, env);
  try {
    await loadConfig(file, 'receiver');
    await loadDns(dnsFileOf(file));
  } catch (err: unknown) {
    return { errors: [describeError(err)] };
  }
  const options = { ...defaultsFor('subscribe'), component: SSM_COMPONENT, config: ref.config, instances: 1 } as unknown as Options;
  return { options, errors: [] };
}

/** Runs an SSM receiver configuration in this (instance) process until SIGTERM; resolves to its exit code. */
export async function runSsmInstance(config: string, env: Env = process.env): Promise<number> {
  const { ssmMain } = await import('@sarra/ssm');
  const file = ssmFile({ component: SSM_COMPONENT, config }, env);
  return ssmMain('ssmreceive', ['-c', file, '-d', dnsFileOf(file)]);
}

/** `sr show` of an SSM receiver: its resolved SSM configuration (password hidden), or why it does not load. */
export async function ssmShow(ref: ConfigRef, env: Env = process.env): Promise<{ shown?: Record<string, unknown>; error?: string }> {
  const { loadConfig } = await import('@sarra/ssm');
  try {
    const c = await loadConfig(ssmFile(ref, env), 'receiver');
    return { shown: { component: SSM_COMPONENT, config: ref.config, dn_file: dnsFileOf(c.file), ...c,
      broker: { ...c.broker, password: c.broker.password === undefined ? undefined : '***' } } };
  } catch (err: unknown) {
    return { error: describeError(err) };
  }
}

/** `sr lint` of an SSM receiver: its errors as lines (`file:line: message` where the line is known). */
export async function ssmLint(ref: ConfigRef, env: Env = process.env): Promise<string[]> {
  return (await ssmConfigErrors(ref, env)).errors;
}
