// Secrets in text: the one password redaction (every logger, transport and error message) and the one
// credentials.conf lookup of a URL (components, gatherer, transfers' pool and sr alike).

/**
 * The user info of a URL's authority: after `//` (with or without a scheme before it), a user, `:`, then
 * the password up to the last `@` before the authority ends (`/`, `?`, `#`, whitespace), as a URL parser
 * splits it, so a raw `@` or `:` in the password is hidden too.
 */
const AUTHORITY = /(\/\/[^:/@\s]*:)[^/?#\s]*@/g;

/** The same without `//` (`user:secret@host`, a URL that did not parse), only where a word starts. */
const BARE = /(^|[\s'"=(<[])([^:/@\s'"]*:)[^/?#\s'"]*@/g;

/**
 * `text` with the password of every URL in it masked: `amqp://user:secret@host` -> `amqp://user:***@host`,
 * whatever the scheme and wherever the URL sits in the text; also a malformed one (`amqp//u:secret@host`,
 * `u:secret@host`). Percent-encoded passwords (`p%40ss`) are masked whole. Text without a password is
 * returned unchanged.
 */
export function redact(text: string): string {
  return text.replace(AUTHORITY, '$1***@').replace(BARE, '$1$2***@');
}

/** What credentials.conf offers (config's `Credentials`): the URL with its password, if it names one. */
export interface CredentialLookup {
  lookup(url: string): { url: string; details?: Record<string, string> } | undefined;
}

/** `url` with its password filled in from credentials.conf (`o.credentials`), else `url` as given. */
export function withCredentials(o: { credentials?: CredentialLookup }, url: string): string {
  return o.credentials?.lookup(url)?.url ?? url;
}
