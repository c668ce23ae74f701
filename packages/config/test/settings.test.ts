// `set <callback>.<option> <value>` (sr3's per-class settings): checked by lint against the module it designates
// (declared option or table option, typed; an option neither declares, or no such callback: refused at the line).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lintConfig, loadConfig } from '@sarra/config';
import { ConfigError } from '@sarra/common';
import { tempHome, type TempHome } from './home.js';

describe('set', () => {
  let h: TempHome;
  before(async () => {
    h = await tempHome({ 'credentials.conf': 'amqp://guest:guest@localhost/\n' });
    await h.write('plugins/tally.js', [
      'export const options = { tally_every: { kind: "duration", default: 60 }, tally_names: { kind: "list", default: [] } };',
      'export default { name: "tally" };', '',
    ].join('\n'));
  });
  after(() => h.cleanup());
  const conf = (lines: string[]): string => ['broker amqp://guest@localhost/', 'callback tally', ...lines, ''].join('\n');
  const errors = async (name: string, lines: string[]): Promise<[number, string][]> => {
    await h.write(`subscribe/${name}.conf`, conf(lines));
    return (await lintConfig('subscribe', name, { env: h.env })).filter((d) => d.severity === 'error').map((d) => [d.line, d.message]);
  };

  it('a declared option or a table option of a callback of the configuration is accepted; sr3 class paths name it too', async () => {
    assert.deepEqual(await errors('ok', ['set tally.tally_every 5m', 'set tally.logLevel debug', 'set sarracenia.flowcb.tally.Tally.tally_names a,b']), []);
    const o = await loadConfig('subscribe', 'ok', { env: h.env });
    assert.equal(o.settings['tally.tally_every'], '5m');
    assert.equal(o.settingOrigins['tally.tally_every']?.line, 3);
  });

  it('a bad value, or an option the callback does not declare, is an error at the set line', async () => {
    const e = await errors('bad', ['set tally.tally_every soon', 'set tally.tally_colour red']);
    assert.deepEqual(e.map(([l]) => l), [3, 4]);
    assert.match(e[0]![1], /set tally\.tally_every: not a duration/);
    assert.match(e[1]![1], /set tally\.tally_colour: callback tally declares no option tally_colour/);
  });

  it('a set naming no callback of the configuration, or a built-in, is refused with the reason; start refuses it too', async () => {
    const e = await errors('stray', ['callback log', 'set sarracenia.moth.amqp.AMQP.logLevel debug', 'set sarracenia.flowcb.log.Log.logLevel debug']);
    assert.deepEqual(e.map(([l]) => l), [4, 5]);
    assert.match(e[0]![1], /^set sarracenia\.moth\.amqp\.AMQP\.logLevel: not supported by sarra-ts \(it names no callback of this configuration/);
    assert.match(e[1]![1], /not supported by sarra-ts \(log is built in: it takes the configuration's own logLevel line\)/);
    await assert.rejects(loadConfig('subscribe', 'stray', { env: h.env }), (err: unknown) => err instanceof ConfigError && err.line === 4);
  });

  it('set needs <callback>.<option> and a value', async () => {
    const e = await errors('form', ['set tally_every 5']);
    assert.match(e[0]![1], /expected set <callback>\.<option> <value>/);
  });
});
