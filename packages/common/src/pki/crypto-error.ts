// The one error of a signature or encryption that does not check (report code 403): reject the message with its reason.
import { PermanentError } from '../errors.js';

/** A message whose signature or encryption does not check: reject it with this reason (report code 403). */
export class CryptoError extends PermanentError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, { code: 'ERR_CRYPTO', reportCode: 403, cause: options?.cause });
  }
}
