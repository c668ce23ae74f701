// Whole-configuration checks of the signed-notice options (lint = start): what notice_verify needs, what is set in vain.
import { CONSUMERS } from './options.js';
import type { Diagnostic, Options } from './types.js';

/**
 * notice_verify on needs notice_capath and notice_signers (errors); notice_verify in a component that receives no
 * notices, or notice_capath/notice_signers without notice_verify, does nothing (warnings). Files are read at start.
 */
export function checkNoticeTrust(o: Options, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const say = (option: string, message: string, severity: 'error' | 'warning'): void => {
    const at = o.origins[option] ?? o.origins.notice_verify;
    out.push({ file: at?.file ?? file, line: at?.line ?? 0, message, severity, option, code: 'check' });
  };
  if (o.notice_verify) {
    if (!CONSUMERS.includes(o.component)) say('notice_verify', `notice_verify: ${o.component} receives no notices to verify`, 'warning');
    if (!o.notice_capath) say('notice_verify', 'notice_verify: on needs notice_capath (the directory of trusted CA certificates)', 'error');
    if (!o.notice_signers) say('notice_verify', 'notice_verify: on needs notice_signers (the file of allowed signer DNs)', 'error');
  } else {
    for (const k of ['notice_capath', 'notice_signers'] as const) if (o[k]) say(k, `${k}: has no effect without notice_verify on`, 'warning');
  }
  return out;
}
