// sr3's configuration language: its synonyms and parse_line keywords, its obsolete v2 keys (warned, dropped),
// the v2 plugins it replaces by built-in behaviour, and its defaults as `sr show` shows them (what runs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newParseState, optionsFromText, parseText, resolveOption } from '@sarra/config';

function parsed(component: string, text: string): ReturnType<typeof newParseState> {
  const st = newParseState(component, 'cfg', { HOME: '/nonexistent' });
  parseText(st, text, 'cfg.conf');
  return st;
}

describe("sr3's names", () => {
  it('the synonyms sr3 knows map onto their option', () => {
    const cases: [string, string][] = [
      ['expiry', 'expire'], ['integrity', 'identity'], ['remoteUrl', 'sendTo'], ['realpath', 'realpathPost'],
      ['inline_max', 'inlineByteMax'], ['content_max', 'inlineByteMax'], ['log_format', 'logFormat'],
      ['default_dir_mode', 'permDirDefault'], ['default_log_mode', 'permLog'], ['simulate', 'dry_run'], ['simulation', 'dry_run'],
      ['nodupe_fileAgeMax', 'fileAgeMax'], ['nodupe_fileAgeMin', 'fileAgeMin'], ['post_baseurl', 'post_baseUrl'],
      ['post_basedir', 'post_baseDir'], ['bufsize', 'bufSize'], ['accel_wget_threshold', 'accelThreshold'],
      ['accel_scp_threshold', 'accelThreshold'], ['accel_cp_threshold', 'accelThreshold'], ['message-ttl', 'post_messageAgeMax'],
      ['inline_encoding', 'inlineEncoding'], ['content_encoding', 'inlineEncoding'], ['log_rotate', 'logRotateCount'],
      ['logRotate_interval', 'logRotateInterval'], ['download-and-discard', 'discard'], ['download_cp_command', 'accelCpCommand'],
      ['flow_callback', 'callback'], ['fcb', 'callback'], ['flowcb_prepend', 'callback_prepend'], ['cbp', 'callback_prepend'],
      ['manager', 'feeder'], ['on_msg', 'on_message'], ['destination_timezone', 'timezone'], ['realpath_filter', 'realpathFilter'],
      ['b', 'broker'], ['ex', 'exchange'], ['qn', 'queueName'], ['at', 'attempts'], ['p', 'path'], ['e', 'fileEvents'],
      ['o', 'overwrite'], ['d', 'discard'], ['fp', 'force_polling'], ['fs', 'follow_symlinks'], ['pm', 'permCopy'], ['pt', 'timeCopy'],
      ['nd', 'nodupe_ttl'], ['sd', 'nodupe_ttl'], ['cb', 'nodupe_basis'], ['sdb', 'nodupe_basis'], ['bd', 'baseDir'], ['imx', 'inlineByteMax'],
    ];
    for (const [syn, name] of cases) assert.equal(resolveOption(syn, 'subscribe')?.spec.name, name, syn);
    assert.equal(resolveOption('n', 'subscribe')?.inverted, true, 'n is no_download');
  });

  it('they set the same value as the sr3 name', () => {
    const st = parsed('subscribe', 'expiry 10m\ncontent_max 2k\ndefault_dir_mode 750\nintegrity md5\nnodupe_fileAgeMax 1d\nremoteUrl sftp://u@h/\nn');
    assert.deepEqual(st.diagnostics, []);
    assert.equal(st.values.expire, 600);
    assert.equal(st.values.inlineByteMax, 2048);
    assert.equal(st.values.permDirDefault, 0o750);
    assert.equal(st.values.identity, 'md5');
    assert.equal(st.values.fileAgeMax, 86400);
    assert.equal(st.values.sendTo, 'sftp://u@h/');
    assert.equal(st.values.download, false);
  });

  it("sr3's parse_line keywords: c (include), setting/s (set), declare envvar/var/value/subscribe/option", () => {
    const st = parsed('subscribe', [
      'setting sarracenia.flowcb.log.Log.level debug', 's a.b.C.x 1', 'declare envvar A=1', 'declare var B=2', 'declare value C=3',
      'declare subscribe carol', 'declare option batch 7', 'c nowhere.inc',
    ].join('\n'));
    assert.deepEqual(st.settings, { 'sarracenia.flowcb.log.Log.level': 'debug', 'a.b.C.x': '1' });
    assert.deepEqual(st.declared.env, { A: '1', B: '2', C: '3' });
    assert.deepEqual(st.declared.subscriber, ['carol']);
    assert.equal(st.values.batch, 7);
    assert.deepEqual(st.diagnostics.map((d) => [d.line, d.code]), [[8, 'missing-include']], 'c is include');
  });

  it('obsolete v2 keys are a warning naming file:line, and dropped', () => {
    const st = parsed('subscribe', 'cache_stat on\nparts 1\npump on\nxattr_disable on\nto_clusters ALL\nfrom_cluster DDSR\nto ALL\nbatch 5');
    assert.deepEqual(st.diagnostics.map((d) => [d.file, d.line, d.severity, d.code, d.option]), [
      ['cfg.conf', 1, 'warning', 'obsolete', 'cache_stat'], ['cfg.conf', 2, 'warning', 'obsolete', 'parts'],
      ['cfg.conf', 3, 'warning', 'obsolete', 'pump'], ['cfg.conf', 4, 'warning', 'obsolete', 'xattr_disable'],
      ['cfg.conf', 5, 'warning', 'obsolete', 'to_clusters'], ['cfg.conf', 6, 'warning', 'obsolete', 'from_cluster'],
      ['cfg.conf', 7, 'warning', 'obsolete', 'to'],
    ]);
    assert.equal(st.diagnostics[0]!.message, 'cache_stat: obsolete v2 option, ignored (as sr3 does)');
    assert.match(st.diagnostics[5]!.message, /from_cluster: obsolete v2 option, ignored \(as sr3 does\): the cluster name stamped on posts is `cluster`/);
    assert.equal(st.values.cluster, undefined);
    assert.deepEqual(st.unknownOptions, {});
    assert.equal(st.values.batch, 5);
  });

  it('v2 plugins sr3 builds in: msg_log/post_log become logEvents, the counters are ignored with a warning', () => {
    const st = parsed('subscribe', 'logEvents None\non_message msg_log.py\non_post post_log\non_message msg_total\nplugin accel_wget\nkbytes_ps 100');
    assert.deepEqual([...(st.values.logEvents as Set<string>)].sort(), ['after_accept', 'after_work']);
    assert.deepEqual(st.values.on_message, []);
    assert.deepEqual(st.diagnostics.map((d) => [d.line, d.severity, d.message]), [
      [4, 'warning', 'on_message msg_total: v2 plugin built into sarra-ts (as in sr3), ignored'],
      [5, 'warning', 'plugin accel_wget: v2 plugin built into sarra-ts (as in sr3), ignored'],
    ]);
    assert.equal(st.values.byteRateMax, 100 * 1024, 'kbytes_ps is KiB/s');
    assert.equal(parsed('subscribe', 'kbytes_ps 1m').values.byteRateMax, 1024 * 1024);
  });
});

describe("sr3's defaults, as sr show shows them and as they run", () => {
  it('winnow: nodupe_ttl 300 by default, an explicit off is off', () => {
    assert.equal(optionsFromText('winnow', '', { check: false }).nodupe_ttl, 300);
    assert.equal(optionsFromText('winnow', 'nodupe_ttl off', { check: false }).nodupe_ttl, 0);
  });

  it('poll: identity cod,sha512 by default, an explicit identity is kept', () => {
    assert.equal(optionsFromText('poll', '', { check: false }).identity, 'cod,sha512');
    assert.equal(optionsFromText('poll', 'identity sha512', { check: false }).identity, 'sha512');
    assert.equal(optionsFromText('poll', '', { check: false }).nodupe_ttl, 7 * 3600);
  });

  it('inflight: .tmp unless set; None writes the final name (kept as None, which the writers read so)', () => {
    assert.equal(optionsFromText('subscribe', '', { check: false }).inflight, '.tmp');
    assert.equal(optionsFromText('subscribe', 'inflight None', { check: false }).inflight, 'None');
    assert.equal(optionsFromText('subscribe', 'lock none', { check: false }).inflight, 'None');
    assert.equal(optionsFromText('subscribe', 'inflight 10', { check: false }).fileAgeMin, 10);
  });
});
