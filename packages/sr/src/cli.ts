// The `sr` command line (yargs): `sr [options] <action> [component/config ...]`; loaded by the CLI only, never by instances.
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { describeError } from '@sarra/common';
import { COMPONENTS } from '@sarra/config';
import { overrideArgs, splitOverrides } from './argv.js';
import type { CliArgs, Ctx } from './context.js';
import type * as Lifecycle from './lifecycle.js';
import type * as Manage from './manage.js';
import type * as Admin from './admin.js';

type Action = (ctx: Ctx) => Promise<number>;

/** Each verb loads only its own module, so `sr status` never loads the broker, flow engine or axios. */
const lifecycle = (): Promise<typeof Lifecycle> => import('./lifecycle.js');
const manage = (): Promise<typeof Manage> => import('./manage.js');
const admin = (): Promise<typeof Admin> => import('./admin.js');

/** Every verb of `sr` and what it runs (COMPAT §2). */
export const ACTIONS: Record<string, Action> = {
  start: async (c) => (await lifecycle()).doStart(c),
  stop: async (c) => (await lifecycle()).doStop(c),
  restart: async (c) => (await lifecycle()).doRestart(c),
  status: async (c) => (await lifecycle()).doStatus(c),
  sanity: async (c) => (await lifecycle()).doSanity(c),
  run: async (c) => (await lifecycle()).doRun(c),
  foreground: async (c) => (await lifecycle()).doForeground(c),
  post: async (c) => (await lifecycle()).doPost(c),
  declare: async (c) => (await admin()).doDeclare(c),
  setup: async (c) => (await admin()).doDeclare(c),
  cleanup: async (c) => (await admin()).doCleanup(c),
  list: async (c) => (await manage()).doList(c),
  show: async (c) => (await manage()).doShow(c),
  lint: async (c) => (await manage()).doLint(c),
  add: async (c) => (await manage()).doAdd(c),
  remove: async (c) => (await manage()).doRemove(c),
  edit: async (c) => (await manage()).doEdit(c),
  enable: async (c) => (await manage()).doEnable(c, true),
  disable: async (c) => (await manage()).doEnable(c, false),
  log: async (c) => (await manage()).doLog(c),
  dump: async (c) => (await manage()).doDump(c),
  convert: async (c) => (await import('./convert.js')).doConvert(c),
  // `sr serve ...` is run by main before yargs (its own options); here only when options came before the verb
  serve: (c) => {
    c.err('sr serve: its options follow the verb: sr serve [--port N] [--bind ADDR] [component/config ...]');
    return Promise.resolve(2);
  },
  systemd: (c) => {
    c.err('sr systemd: its options follow the verb: sr systemd install|remove --user|--system [--unit-dir DIR]');
    return Promise.resolve(2);
  },
};

/** The component an override's synonyms are read for: the first `component/config` word's, else subscribe's. */
function componentOf(words: string[]): string {
  const c = words.find((w) => w.includes('/'))?.split('/')[0];
  return c && COMPONENTS.includes(c) ? c : words.includes('post') ? 'post' : 'subscribe';
}

/** Parses argv (without node and script) into CliArgs; sr3's `--option value` overrides become config lines. */
export async function parseArgs(argv: string[]): Promise<CliArgs> {
  const split = splitOverrides(argv, componentOf(argv.filter((a) => !a.startsWith('-'))), new Set(Object.keys(ACTIONS)));
  const y = yargs(split.argv)
    .scriptName('sr')
    .usage('$0 [options] <action> [component/config ...]\n\nactions: ' + Object.keys(ACTIONS).join(' ') +
      '\n\nAny configuration option may follow as --option value (sr3 style; -pb, -pbu, -pe, ... as sr3_post has them):' +
      ' foreground, post, show, lint, declare and cleanup read it after the files.\n\nsr <action> --help: that action\'s usage and options.')
    .option('json', { type: 'boolean', default: false, describe: 'status/show/dump as JSON' })
    .option('full', { type: 'boolean', default: false, describe: 'status: counters, memory and CPU columns' })
    .option('users', { type: 'boolean', default: false, describe: 'declare: also users, permissions and their exchanges (admin.conf)' })
    .option('dangerWillRobinson', { describe: 'confirm a dangerous bulk action (cleanup of N configs: =N)' })
    .option('serve', { type: 'number', describe: 'status: serve the table on http://127.0.0.1:<port>/' })
    .option('config', { alias: 'c', type: 'string', describe: 'post: the configuration (post/<name>)' })
    .option('wololo', { type: 'boolean', default: false, describe: 'convert: overwrite existing files' })
    .option('v2', { type: 'boolean', default: false, describe: 'convert: the input is a v2 configuration' })
    .parserConfiguration({ 'camel-case-expansion': false, 'boolean-negation': false })
    .strict(false)
    .help()
    .version(false);
  const parsed = await y.parseAsync();
  const positional = parsed._.map(String);
  return {
    action: positional[0] ?? '', configs: positional.slice(1),
    json: !!parsed.json, full: !!parsed.full, users: !!parsed.users,
    dangerWillRobinson: parsed.dangerWillRobinson as string | number | boolean | undefined,
    serve: parsed.serve, config: parsed.config, wololo: !!parsed.wololo, v2: !!parsed.v2, extraLines: split.lines,
  };
}

/** v2 style `sr_<component> <action> [config ...]` -> `sr <action> <component>/<config> ...`; options pass through. */
export function v2Argv(component: string, argv: string[]): string[] {
  const split = splitOverrides(argv, component, new Set(Object.keys(ACTIONS)));
  const options: string[] = [];
  const words: string[] = [];
  for (let i = 0; i < split.argv.length; i++) {
    const a = split.argv[i]!;
    if (!a.startsWith('-')) { words.push(a); continue; }
    options.push(a);
    // the value of --config/-c/--serve stays with its flag (splitOverrides kept it right after)
    if (/^--?(config|c|serve)$/.test(a) && i + 1 < split.argv.length) options.push(split.argv[++i]!);
  }
  options.push(...overrideArgs(split.lines));
  // `sr_subscribe --help`: the v2 command's own page (cli main), not status's
  if (!words.length && options.some((o) => o === '--help' || o === '-h')) return ['--help', `sr_${component}`];
  if (component === 'post') return ['post', ...options, ...words];
  const [action = 'status', ...configs] = words;
  // `sr_subscribe list` lists the subscribe configurations (`list examples`/`list plugins` as sr's)
  if (action === 'list') return [...options, 'list', ...(configs.length ? configs : [component])];
  const cfgs = configs.map((c) => `${component}/${c.replace(/^.*\//, '').replace(/\.conf$/, '')}`);
  return [...options, action, ...(cfgs.length ? cfgs : [`${component}/*`])];
}

/** This package's version (packages/sr/package.json in a clone, node_modules/@sarra/sr/package.json installed). */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[], env = process.env): Promise<number> {
  // `sr ssmsend|ssmreceive <SSM's own flags>`: APEL SSM's command lines, parsed by @sarra/ssm, not yargs
  if (argv[0] === 'ssmsend' || argv[0] === 'ssmreceive') return (await import('@sarra/ssm')).ssmMain(argv[0], argv.slice(1));
  if (argv[0] === '--version' || argv[0] === '-V') {
    process.stdout.write(`sr (sarra-ts) ${version()}\n`);
    return 0;
  }
  // `sr serve [--port N] [--bind ADDR]`: the Prometheus endpoint, its own small parser (node:util)
  if (argv[0] === 'serve') return (await import('./metrics-server.js')).serveMain(argv.slice(1), env);
  // `sr systemd install|remove --user|--system`: writes and enables the units of tools/systemd (node:util parser)
  if (argv[0] === 'systemd') return (await import('./systemd.js')).systemdMain(argv.slice(1), env);
  // `sr <verb> --help` (and `sr_<component> [<verb>] --help`, which v2Argv turns into it): that verb's own page
  if (argv.some((a) => a === '--help' || a === '-h')) {
    const verb = argv.find((a) => a in ACTIONS || /^sr_\w+$/.test(a));
    const text = verb ? await (await import('./help.js')).verbHelp(verb) : undefined;
    if (text) {
      process.stdout.write(`${text}\n`);
      return 0;
    }
  }
  let args: CliArgs;
  try {
    args = await parseArgs(argv);
  } catch (err: unknown) {
    process.stderr.write(`sr: ${describeError(err)}\n`);
    return 2;
  }
  const action = ACTIONS[args.action];
  if (!action) {
    process.stderr.write(`sr: ${args.action ? `unknown action '${args.action}'` : 'no action given'}; one of: ${Object.keys(ACTIONS).join(' ')}\n` +
      `components: ${COMPONENTS.join(' ')}\n`);
    return 2;
  }
  // `sr status | head`: a closed pipe ends the command quietly, as in any Unix tool
  process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0); });
  const ctx: Ctx = { args, env, out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
  try {
    return await action(ctx);
  } catch (err: unknown) {
    ctx.err(`sr ${args.action}: ${describeError(err)}`);
    return 1;
  }
}
