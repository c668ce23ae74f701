// `sr declare --users`: broker users, permissions and per-user exchanges from admin.conf + credentials.conf (COMPAT §1 roles).
import { join } from 'node:path';
import axios from 'axios';
import { ConfigError, TransientError, configDir, describeError, withCredentials } from '@sarra/common';
import { declareTopology, cleanupTopology } from '@sarra/broker';
import { Management, type Permissions } from '@sarra/broker/management';
import { readConfig, type Options } from '@sarra/config';
import type { Ctx } from './context.js';

/** A broker role of COMPAT §1. */
export type Role = 'subscriber' | 'source' | 'feeder' | 'admin';

/** Permission regexes (configure, write, read) of a role for user `u`, exactly as sr3 sets them. */
export function rolePermissions(role: Role, u: string): Permissions {
  const q = `^q_${u}.*`;
  const read = `^q_${u}.*|^x[lrs]_${u}.*|^x.*public$`;
  switch (role) {
    case 'subscriber': return { configure: q, write: `^q_${u}.*|^xs_${u}$`, read };
    case 'source': return { configure: `^q_${u}.*|^xs_${u}.*`, write: `^q_${u}.*|^xs_${u}.*`, read };
    default: return { configure: '.*', write: '.*', read: '.*' };
  }
}

/** Exchanges every declared user owns. */
export function userExchanges(u: string): string[] {
  return [`xs_${u}`, `xr_${u}`, `xl_${u}`];
}

interface Wanted { name: string; role: Role; password?: string }

/** The users admin.conf declares, with passwords from credentials.conf; plus the admin URL and vhost. */
async function wantedUsers(ctx: Ctx): Promise<{ users: Wanted[]; adminUrl: string; vhost: string; mgmtUrl: string }> {
  const file = join(configDir(ctx.env), 'admin.conf');
  const { options: o } = await readConfig('shovel', file, { env: ctx.env });
  if (!o.admin) throw new ConfigError("no 'admin <url>' line", { file });
  const adminUrl = withCredentials(o, o.admin);
  const u = new URL(adminUrl);
  const vhost = decodeURIComponent(u.pathname.replace(/^\//, '')) || '/';
  const secure = u.protocol === 'amqps:';
  const mgmtUrl = ctx.env.SARRA_MGMT_URL || `${secure ? 'https' : 'http'}://${u.hostname}:${secure ? 15671 : 15672}`;
  const users: Wanted[] = [];
  const add = (name: string | undefined, role: Role): void => {
    if (!name || users.some((w) => w.name === name)) return;
    users.push({ name, role, password: passwordOf(o, adminUrl, name) });
  };
  add(decodeURIComponent(u.username), 'admin');
  if (o.feeder) add(decodeURIComponent(new URL(o.feeder).username), 'feeder');
  for (const s of o.declared.source) add(s, 'source');
  for (const s of o.declared.subscriber) add(s, 'subscriber');
  return { users, adminUrl, vhost, mgmtUrl };
}

function passwordOf(o: Options, adminUrl: string, user: string): string | undefined {
  const probe = new URL(adminUrl);
  probe.username = encodeURIComponent(user);
  probe.password = '';
  const found = o.credentials.lookup(probe.toString())?.url;
  if (!found) return undefined;
  const p = new URL(found).password;
  return p ? decodeURIComponent(p) : undefined;
}

/** Users that look like ours: their permission on the vhost is one of the sarra role patterns. */
function sarraUser(perm: { user: string; configure: string }): boolean {
  const u = perm.user;
  return perm.configure === `^q_${u}.*` || perm.configure === `^q_${u}.*|^xs_${u}.*`;
}

/**
 * Creates the declared users with their role permissions and exchanges (plus xpublic, xreport). Users and
 * exchanges that sarra created but admin.conf no longer declares are listed; removed only with --dangerWillRobinson.
 */
export async function declareUsers(ctx: Ctx): Promise<number> {
  let plan;
  try {
    plan = await wantedUsers(ctx);
  } catch (err: unknown) {
    ctx.err(`declare --users: ${describeError(err)}`);
    return 1;
  }
  const adminUser = new URL(plan.adminUrl);
  const mgmt = new Management(plan.mgmtUrl, decodeURIComponent(adminUser.username), decodeURIComponent(adminUser.password));
  let rc = 0;
  for (const w of plan.users) {
    try {
      if (w.role !== 'admin') {
        if (!w.password) { ctx.err(`user ${w.name}: no password in credentials.conf, skipped`); rc = 1; continue; }
        await mgmt.putUser(w.name, w.password, '');
      }
      await mgmt.setPermissions(plan.vhost, w.name, rolePermissions(w.role, w.name));
      ctx.out(`declared user ${w.name} (${w.role})`);
    } catch (err: unknown) {
      ctx.err(`user ${w.name}: ${describeError(err)}`);
      rc = 1;
    }
  }
  const exchanges = ['xpublic', 'xreport', ...plan.users.filter((w) => w.role === 'source' || w.role === 'subscriber').flatMap((w) => userExchanges(w.name))];
  try {
    await declareTopology({ url: plan.adminUrl, exchanges });
    ctx.out(`declared exchanges ${exchanges.join(' ')}`);
  } catch (err: unknown) {
    ctx.err(`exchanges: ${describeError(err)}`);
    rc = 1;
  }
  return (await removeUndeclared(ctx, mgmt, plan)) || rc;
}

/** Permissions granted on a vhost (GET /api/vhosts/<v>/permissions): a local adapter, Management has no such call. */
async function vhostPermissions(mgmtUrl: string, adminUrl: string, vhost: string): Promise<{ user: string; configure: string }[]> {
  const u = new URL(adminUrl);
  try {
    const res = await axios.get<{ user: string; configure: string }[]>(`${mgmtUrl.replace(/\/+$/, '')}/api/vhosts/${encodeURIComponent(vhost)}/permissions`,
      { auth: { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }, timeout: 10_000, proxy: false });
    return res.data;
  } catch (err: unknown) {
    throw new TransientError(`management API ${mgmtUrl}: ${describeError(err)}`, { code: 'ERR_MGMT_UNREACHABLE', cause: err });
  }
}

async function removeUndeclared(ctx: Ctx, mgmt: Management, plan: { users: Wanted[]; adminUrl: string; vhost: string; mgmtUrl: string }): Promise<number> {
  const wanted = new Set(plan.users.map((w) => w.name));
  let perms: { user: string; configure: string }[];
  try {
    perms = await vhostPermissions(plan.mgmtUrl, plan.adminUrl, plan.vhost);
  } catch (err: unknown) {
    ctx.err(`listing permissions: ${describeError(err)}`);
    return 1;
  }
  const goneUsers = perms.filter((p) => sarraUser(p) && !wanted.has(p.user)).map((p) => p.user);
  const xs = await mgmt.exchanges(plan.vhost);
  const goneX = xs.map((x) => x.name).filter((x) => {
    const m = /^x[slr]_(.+)$/.exec(x);
    return m && goneUsers.includes(m[1]!);
  });
  if (!goneUsers.length && !goneX.length) return 0;
  const danger = !!ctx.args.dangerWillRobinson;
  for (const u of goneUsers) ctx.out(`${danger ? 'removing' : 'would remove (--dangerWillRobinson)'} user no longer declared: ${u}`);
  for (const x of goneX) ctx.out(`${danger ? 'removing' : 'would remove (--dangerWillRobinson)'} exchange no longer declared: ${x}`);
  if (!danger) return 0;
  try {
    if (goneX.length) await cleanupTopology({ url: plan.adminUrl, exchanges: goneX });
    for (const u of goneUsers) await mgmt.deleteUser(u);
  } catch (err: unknown) {
    ctx.err(`removing: ${describeError(err)}`);
    return 1;
  }
  return 0;
}
