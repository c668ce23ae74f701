// What every CLI action receives: parsed arguments, the environment and where to write.
import type { Env } from '@sarra/common';

/** Parsed command line of `sr` (yargs), with the selection patterns after the action. */
export interface CliArgs {
  action: string;
  /** `component/config` patterns (globs); empty = all */ configs: string[];
  json: boolean; full: boolean; users: boolean;
  /** sr3's guard for dangerous bulk actions; a number when given as --dangerWillRobinson=N */
  dangerWillRobinson?: string | number | boolean;
  /** `sr status --serve <port>` */ serve?: number;
  /** `sr post -c post/<cfg>` */ config?: string;
  /** `sr convert --wololo`: overwrite existing files */ wololo: boolean;
  /** `sr convert --v2`: treat the input as a v2 configuration */ v2: boolean;
  /** any other `--option value`, passed to foreground/post instances as config lines */ extraLines: string[];
}

/** The execution context of one CLI run. */
export interface Ctx {
  args: CliArgs;
  env: Env;
  out: (line: string) => void;
  err: (line: string) => void;
}
