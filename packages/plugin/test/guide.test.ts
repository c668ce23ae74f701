// docs/plugins.md's worked example, as the guide prints it: the plugin and the configuration lint clean, load,
// and do what the guide says (reject over the size with 413, count it in metricsReport).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Logger } from '@sarra/common';
import { lintConfig, loadConfig } from '@sarra/config';
import { loadHooks, newWorklist } from '@sarra/flow';
import { tempHome } from '@sarra/testkit/home';
import { item } from './helpers.js';

/** The fenced block that follows `label` in the guide. */
function block(md: string, label: string): string {
  const at = md.indexOf(label);
  assert.ok(at >= 0, `${label} is in the guide`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(md.slice(at));
  return m![1]!;
}

test('the worked example of docs/plugins.md lints, loads and rejects what is over sizegate_max', async () => {
  const md = await readFile(new URL('../../../docs/plugins.md', import.meta.url), 'utf8');
  const h = await tempHome();
  try {
    await h.writeConfig('plugins/sizegate.mjs', block(md, '`~/.config/sarra/plugins/sizegate.mjs`:'));
    await h.writeConfig('subscribe/forecasts.conf', block(md, '`~/.config/sarra/subscribe/forecasts.conf`:'));
    assert.deepEqual((await lintConfig('subscribe', 'forecasts', { env: h.env })).filter((d) => d.severity === 'error'), []);
    const o = await loadConfig('subscribe', 'forecasts', { env: h.env });
    assert.equal(o.pluginOptions.sizegate_max, 20 * 1024 * 1024);
    const hooks = await loadHooks(o, [], { env: h.env, logger: Logger.silent() });
    assert.deepEqual(hooks.map((x) => x.name), ['accept.httptohttps', 'sizegate']);
    const big = item('big.grib2', 'http://dd.weather.gc.ca/'), small = item('small.grib2', 'http://dd.weather.gc.ca/');
    big.notice.size = 30 * 1024 * 1024;
    small.notice.size = 1000;
    const wl = newWorklist([big, small]);
    for (const x of hooks) await x.afterAccept?.(wl);
    assert.deepEqual(wl.incoming, [small]);
    assert.equal(small.notice.baseUrl, 'https://dd.weather.gc.ca/');
    assert.deepEqual(wl.rejected.map((i) => `${i.reportCode} ${i.reportMessage}`), ['413 over 20971520 bytes']);
    assert.deepEqual(hooks[1]!.metricsReport!(), { skipped: 1 });
  } finally {
    await h.cleanup();
  }
});
