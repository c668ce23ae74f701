// One configurable rename for sr3's accept.renamer / renamewhatfn / rename4jicc / renamedmf: the destination file
// name is rewritten by a regular expression.
import type { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { FlowHook, Worklist } from '@sarra/flow';

export const options = {
  rename_from: { kind: 'str', doc: 'Regex matched against the destination file name (required).' },
  rename_to: { kind: 'str', default: '', doc: 'Replacement ($1.. groups, $& the match); every match is replaced.' },
} as const;

/**
 * `callback accept.rename` with `rename_from :[^:]*$` / `rename_to ''`: each accepted item's destination file
 * name (and the name announced downstream) is rewritten. A result that is empty, `.`, `..` or has a `/` would
 * leave the destination directory: the item is rejected (422) with the reason.
 */
export default class Rename implements FlowHook {
  readonly name = 'accept.rename';
  private readonly from: RegExp;
  private readonly to: string;

  constructor(o: Options, private readonly log: Logger) {
    const from = o.pluginOptions.rename_from as string | undefined;
    if (!from) throw new Error('accept.rename needs rename_from (a regular expression)');
    this.from = new RegExp(from, 'g');
    this.to = (o.pluginOptions.rename_to as string | undefined) ?? '';
  }

  afterAccept(wl: Worklist): void {
    for (const it of [...wl.incoming]) {
      const old = it.newFile ?? it.notice.relPath.replace(/^.*\//, '');
      const name = old.replace(this.from, this.to);
      if (name === old) continue;
      if (name === '' || name === '.' || name === '..' || name.includes('/')) {
        wl.outcome.reject(it, 422, `rename of ${old} gives '${name}', not a file name`);
        continue;
      }
      it.newFile = name;
      if (it.newRelPath !== undefined) it.newRelPath = it.newRelPath.replace(/[^/]*$/, name);
      if (this.log.enabled('debug')) this.log.debug(`rename ${old} -> ${name}`);
    }
  }
}
