// `sr <verb> --help` and `sr_<component> --help`: each verb's usage, what it does, and the options it reads.
import { COMPONENTS } from '@sarra/config';

const SELECT = '[component/config ...]';
const SELECTION = `  ${SELECT}  configurations to act on: component/name, globs (subscribe/*, */wxo*); none = all`;
const OVERRIDES = '  --<option> <value>        any configuration option, read after the files (sr3 style)';

/** One verb's help: usage line, a few lines of what it does, its arguments and options. */
function page(usage: string, what: string, lines: string[] = []): string {
  return [`usage: ${usage}`, '', what, ...(lines.length ? ['', ...lines] : [])].join('\n');
}

const LIFECYCLE_NOTE = 'Instances read their configuration files only: other --option overrides are said to be ignored.';

/** The help text of each verb (convert's lives beside it, in convert.ts). */
const PAGES: Record<string, string> = {
  start: page(`sr [--logStdout] start ${SELECT}`,
    'Starts the missing instances of each configuration (instances N of them) in the background, without waiting for\n' +
    'the broker. Refuses a configuration lint reports errors for (nothing of it starts); skips disabled ones and one-shot\n' +
    `posts; clears a fail state (sr status) so its instances try again. ${LIFECYCLE_NOTE}`,
    [SELECTION, '  --logStdout               instances write their log to this terminal instead of their log files']),
  stop: page(`sr [--dangerWillRobinson] stop ${SELECT}`,
    'Stops every running instance of each configuration (SIGTERM, then SIGKILL after 15 s) and removes its pid files.\n' +
    'With no configuration named, also stops stray instances (of removed configurations, or without a pid file).',
    [SELECTION, '  --dangerWillRobinson      also stop foreground instances (sr foreground, sr post)']),
  restart: page(`sr restart ${SELECT}`,
    `Stop then start. A configuration that would be refused at start is left running as it is. ${LIFECYCLE_NOTE}`, [SELECTION]),
  status: page(`sr status [--json] [--full] [--serve <port>] ${SELECT}`,
    'One line per configuration: state (run stop disa part miss hung idle lag reje rtry slow cpuS wVip fore fail),\n' +
    'processes, broker connection, lag and rates, from pid files, /proc and the instances\' metrics (no broker round trip).\n' +
    'A configuration in state fail stopped for good (e.g. the broker refused its login); the reason follows the table,\n' +
    'with alerts (lag beyond messageAgeMax, a retry queue growing for 10 minutes) and restarts by sr sanity.',
    [SELECTION, '  --json                    one JSON record per configuration', '  --full                    counters, memory and CPU columns',
      '  --serve <port>            serve the status page of sr serve on http://127.0.0.1:<port>/ until interrupted']),
  sanity: page(`sr sanity ${SELECT}`,
    'For cron: kills hung instances (log and metrics not written for runStateThreshold_hung), restarts the missing\n' +
    'instances of configurations meant to run; stopped, disabled and failed (state fail) ones are left alone. Names strays.',
    [SELECTION]),
  run: page(`sr run ${SELECT}`,
    'For containers: start, then stay in the foreground running sanity every 30 s; SIGTERM or SIGINT stops everything.',
    [SELECTION]),
  foreground: page('sr foreground <component/config> [--<option> <value> ...]',
    'Runs instance 0 of one configuration in this process, logging to stderr, until interrupted (or done, for a\n' +
    'one-shot flow). Refused when lint reports errors. Exit 78 when the broker refuses the login or vhost.',
    ['  <component/config>        exactly one configuration', OVERRIDES]),
  post: page('sr post -c post/<config> [--<option> <value> ...] <path> ...\n' +
    '       sr post -pb <broker> -pbu <post_baseUrl> [-pe <exchange>] [--<option> <value> ...] <path> ...',
    'Announces files once (sr3_post): each path, or each file under a directory, posted to post_broker, then exits.\n' +
    'With no configuration file, the options on the command line are the whole configuration.',
    ['  -c, --config <post/name>  the configuration (a file path ending in .conf also works)',
      '  -pb, --post_broker <url>  broker to post to (amqp[s]://user@host/; the password from credentials.conf)',
      '  -pbu, --post_baseUrl <url> base URL subscribers download from', '  -pe, --post_exchange <x>  exchange (default xs_<user>)',
      '  -pbd, --post_baseDir <d>  local directory the URL paths are relative to', OVERRIDES,
      'exit status: 0 when every path was posted, 1 otherwise.']),
  declare: page(`sr declare [--users] ${SELECT}`,
    'Declares on the broker the exchanges, queues and bindings of each configuration (idempotent).',
    [SELECTION, '  --users                   also users, permissions and their exchanges (admin.conf)', OVERRIDES]),
  setup: page(`sr setup [--users] ${SELECT}`, 'Same as sr declare.', [SELECTION]),
  cleanup: page(`sr cleanup [--dangerWillRobinson=<N>] ${SELECT}`,
    'Deletes each configuration\'s queue and state files, then the exchanges it posts to when no other configuration\n' +
    'or client uses them; never an exchange it only reads from. Refused while the configuration runs.',
    [SELECTION, '  --dangerWillRobinson=<N>  confirm a cleanup of N configurations (needed for more than one)', OVERRIDES]),
  list: page('sr list [examples | plugins | <component> | <component/glob> ...]',
    'Lists the user configurations (all, or of a component), the shipped examples (sr add copies one), or plugins.'),
  show: page(`sr show [--json] ${SELECT} [--<option> <value> ...]`,
    'Prints the effective options of each configuration (defaults, files and command line merged), as YAML.',
    [SELECTION, '  --json                    as JSON', OVERRIDES]),
  lint: page(`sr lint ${SELECT} [--<option> <value> ...]`,
    'Reports every problem of each configuration as file:line: message (unknown options with a did-you-mean, bad\n' +
    'values, missing includes, unsupported schemes, credentials.conf lines and mode); a problem of a shared file is\n' +
    'said once. Ends with "N configurations, E errors, W warnings". The same errors refuse start and foreground.',
    [SELECTION, OVERRIDES, 'exit status: 1 when there is an error, 0 otherwise (warnings only).']),
  add: page('sr add <component/name> ... | sr add plugin <name>',
    'Copies the example configuration (sr list examples) into ~/.config/sarra/<component>/; `plugin <name>` writes a plugin template to ~/.config/sarra/plugins/<name>.mjs.'),
  remove: page('sr remove <component/name> ...', 'Deletes the configuration file and its state directory (refused while it runs).'),
  edit: page('sr edit <component/name>',
    'Opens the configuration in $EDITOR (or $VISUAL, else vi); a name that does not exist yet is created.'),
  enable: page(`sr enable ${SELECT}`, 'Lets a disabled configuration start again.', [SELECTION]),
  disable: page(`sr disable ${SELECT}`, 'Keeps the configuration from starting (sr start and sanity skip it) until enabled.', [SELECTION]),
  log: page('sr log <component/config>', 'Follows (tail -f) the log of instance 1 until interrupted.'),
  dump: page('sr dump', 'Processes, configurations and states as one JSON document (for grep and scripts).'),
};

/** The help of `verb`, or undefined when it has none of its own. */
export async function verbHelp(verb: string): Promise<string | undefined> {
  if (verb === 'convert') return (await import('./convert.js')).CONVERT_HELP;
  const v2 = /^sr_(\w+)$/.exec(verb);
  if (v2 && COMPONENTS.includes(v2[1]!)) return v2Help(v2[1]!);
  return PAGES[verb];
}

/** `sr_<component> --help`: the v2-style command, its actions, and where each verb's help is. */
function v2Help(component: string): string {
  if (component === 'post') return PAGES.post!.replace(/\bsr post\b/g, 'sr_post');
  return page(`sr_${component} [options] <action> [config ...]`,
    `The v2-style command for ${component} configurations: sr_${component} <action> x = sr <action> ${component}/x;\n` +
    `with no config, every ${component} configuration; with no action, status.`,
    ['actions: start stop restart status sanity foreground declare cleanup list show lint add remove edit enable disable log',
      `  sr_${component} <action> --help   that action's usage and options`]);
}
