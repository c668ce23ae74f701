// `sr add plugin <name>`: the plugin file it writes to ~/.config/sarra/plugins, a starting point naming every
// entry point sarra-ts calls: the common ones written out, the others as comments (docs/plugins.md explains each).

/** The template of a plugin named `name`: an ES module importing the public package '@sarra/plugin'. */
export function pluginTemplate(name: string): string {
  const cls = name.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '') || 'Plugin';
  return `// ${name}: a sarra-ts flow callback. Name it in a configuration with \`callback ${name}\`; \`sr lint\` checks it.

/** Options this plugin reads: set in the configuration as \`${name}_maxSize 10m\`; lint knows and types them. */
export const options = {
  ${name.replace(/[^A-Za-z0-9_]/g, '_')}_maxSize: { kind: 'size', default: 0, doc: 'Reject files larger than this (0: no limit).' },
};

/** @implements {import('@sarra/plugin').Plugin} */
export default class ${cls} {
  name = '${name}';

  /** @param {import('@sarra/plugin').Options} o  @param {import('@sarra/plugin').Logger} log */
  constructor(o, log) {
    this.log = log;
    this.maxSize = o.pluginOptions.${name.replace(/[^A-Za-z0-9_]/g, '_')}_maxSize;
  }

  onStart() { this.log.info('${name} starting'); }

  /** After the accept/reject masks: keep, change or reject what is in wl.incoming. */
  afterAccept(wl) {
    for (const it of [...wl.incoming]) {
      if (this.maxSize && (it.notice.size ?? 0) > this.maxSize) wl.outcome.reject(it, 413, \`larger than \${this.maxSize} bytes\`);
    }
  }

  /** After the transfers: wl.ok holds what was downloaded or sent, wl.failed what goes to the retry queue. */
  afterWork(wl) {}

  /** After the notices of wl.ok were published. */
  afterPost(wl) {}

  onHousekeeping() {}

  /** Written to the metrics file under '${name}'. */
  metricsReport() { return {}; }

  onStop() { this.log.info('${name} stopping'); }

  // The other entry points (docs/plugins.md has an example of each): uncomment what the plugin needs.
  // async gather(max) { return []; }         // each pass: up to max notices (v03 fields) of the plugin's own
  // async download(item) { return false; }   // instead of the built-in transfer (send(item) in a sender): true when done
  // destfn(item) { return item.newFile; }    // the destination file name (a bare name)
  // post(wl) {}                              // after the built-in post, before the acks: publish elsewhere
  // ack(items) {}                            // after the acks, with the items just acknowledged
  // async poll() { return []; }              // poll configurations only: instead of listing pollUrl
  // onDeclare() {}                           // at instance start and at \`sr declare\`, after the declarations
  // onSanity() {}                            // at each \`sr sanity\` pass
  // onCleanup() {}                           // at \`sr cleanup\`, after the queue and exchanges are removed
  // pleaseStop() {}                          // when the stop is asked for: end a long wait in gather
}
`;
}
