// Public entry of @sarra/message: the Notice model, v02/v03 codecs, topics, timestamps, identities, report codes.

export type { Content, FileOp, Format, Identity, IdentityMethod, Notice, Report } from './notice.js';
export type { Decoded, WireMessage } from './codec.js';
export { decode, encode, detectFormat, DEFAULT_MAX_BYTES } from './codec.js';
export { topicFor, formatFromPrefix, truncateUtf8, TOPIC_MAX_BYTES } from './topic.js';
export { nowTimestamp, timestampFromMs, msFromTimestamp, isTimestamp, toV02Time, toV03Time } from './timestamp.js';
export type { Hasher, HasherOptions } from './identity.js';
export { createHasher, identityOfFile, hexToBase64, base64ToHex, hashesContent, sha512Hex } from './identity.js';
export { REPORT, reportShortName, reportText } from './report.js';
export type { ReportName } from './report.js';
export { HeaderTooLongError, MalformedNoticeError } from './errors.js';
export { HEADER_MAX_BYTES } from './v02.js';
export { IDENTITY_METHODS, validateNotice } from './validate.js';
export { pyDumps } from './pyjson.js';
export { decodeV03 } from './v03.js';
export { remoteNotice, type RemoteFacts, type RemoteNoticeSpec } from './remote.js';
