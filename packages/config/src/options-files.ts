// Option table, part 2: filtering, destinations, transfers, permissions, timing, sources, watch.
import { opt, parseIdentity, parseInflight, parseSleep, parseStrip } from './option-kinds.js';

const NO_ACCEL = "sarra-ts streams every transfer through its own drivers; there are no external wget/scp/cp accelerators";
const NO_PARTS = 'partitioned (block) transfers are not supported: files move whole';
const ALL_FILE_EVENTS = ['create', 'modify', 'delete', 'link', 'mkdir', 'rmdir'];

export const FILE_OPTIONS = [
  opt('acceptUnmatched', 'flag', true, 'Accept messages that match no accept/reject line.', {
    synonyms: ['accept_unmatch', 'accept_unmatched'],
  }),
  opt('directory', 'str', '.', 'Destination directory for the following accept lines (local for download, remote for send).'),
  opt('mirror', 'flag', true, 'Keep the relPath directory tree under directory.', { componentDefaults: { subscribe: false } }),
  opt('strip', 'str', 0, 'Remove N leading path elements, or a leading regex match, from relPath.', { parse: parseStrip }),
  opt('flatten', 'str', '/', 'Replace / in relPath by this string to make a flat name (/ = off).'),
  opt('filename', 'str', undefined, 'Sundew-style naming keyword (WHATFN, TIME, DESTFN=...).'),
  opt('rename', 'str', undefined, 'Explicit new name (or directory when ending with /).'),
  opt('baseDir', 'str', undefined, 'Local root mapping received paths to local files (${BD}).', {
    synonyms: ['base_dir', 'basedir', 'document_root', 'bd'],
  }),
  opt('baseUrl_relPath', 'flag', false, 'Prepend the baseUrl path to relPath when placing files.'),
  opt('download', 'flag', false, 'Transfer the data (download, or send for a sender).', {
    invertedSynonyms: ['no_download', 'notify_only', 'n'],
    componentDefaults: { subscribe: true, sarra: true, sender: true },
  }),
  opt('delete', 'flag', false, 'Delete the source after a successful download.', { status: 'implemented' }),
  opt('discard', 'flag', false, 'Delete the local copy after processing.', {
    status: 'implemented',
    synonyms: ['d', 'download-and-discard'],
  }),
  opt('overwrite', 'flag', true, 'Re-download even when an identical local file exists.', {
    status: 'implemented',
    synonyms: ['o'],
  }),
  opt('inflight', 'str', '.tmp', 'Temporary naming while writing: .tmp suffix, . prefix, dir/ subdir, None = the final name; a number = fileAgeMin.', {
    synonyms: ['lock'],
    parse: parseInflight,
  }),
  opt('acceptSizeWrong', 'flag', false, 'Accept a download whose size differs from the message.', { status: 'implemented' }),
  opt('identity', 'str', 'sha512', 'Checksum method: sha512, md5, md5name, cod,<algo>, random, arbitrary, none (v2 sum flags accepted).', {
    synonyms: ['sum', 'integrity'],
    componentDefaults: { poll: 'cod,sha512' },
    parse: parseIdentity,
  }),
  opt('fileAgeMin', 'duration', 0, 'Skip files modified less than this many seconds ago.', { synonyms: ['nodupe_fileAgeMin'] }),
  opt('fileAgeMax', 'duration', 0, 'Skip files older than this many seconds; 0 = off.', {
    synonyms: ['file_time_limit', 'nodupe_fileAgeMax'],
    componentDefaults: { poll: 30 * 86400 },
  }),
  opt('fileSizeMax', 'size', 0, 'Skip files bigger than this; 0 = off.', { status: 'implemented' }),
  opt('timeCopy', 'flag', true, 'Carry and apply mtime/atime from messages.', { synonyms: ['preserve_time', 'pt'] }),
  opt('permCopy', 'flag', true, 'Carry and apply the file mode from messages.', { synonyms: ['preserve_mode', 'pm'] }),
  opt('permDefault', 'octal', 0, 'Mode for written files (0 = umask); poll: minimum mode a file needs to be posted.', {
    synonyms: ['chmod', 'default_mode'],
    componentDefaults: { poll: 0o400 },
  }),
  opt('permDirDefault', 'octal', 0o775, 'Mode for created directories.', { synonyms: ['chmod_dir', 'default_dir_mode'] }),
  opt('permLog', 'octal', 0o600, 'Mode of log files.', { synonyms: ['chmod_log', 'default_log_mode'] }),
  opt('varTimeOffset', 'duration', 0, 'Offset added to the clock for ${YYYYMMDD}-style variables, seconds.'),

  opt('attempts', 'count', 3, 'Immediate transfer attempts before queuing for retry.', { synonyms: ['at'] }),
  opt('retry_ttl', 'duration', undefined, 'Drop retries older than this many seconds; default = expire.'),
  opt('retry_refilter', 'flag', false, 'Re-run accept/reject on retried messages.', { status: 'implemented' }),
  opt('retryEmptyBeforeExit', 'flag', false, 'Keep a one-shot post alive until its post retries drain.', { status: 'implemented' }),
  opt('housekeeping', 'duration', 300, 'Periodic maintenance interval, seconds.', { synonyms: ['heartbeat'] }),
  opt('sleep', 'duration', 0.1, 'Pause between passes, seconds (post: -1 = one-shot; watch: scan interval).', {
    componentDefaults: { post: -1, watch: 5, poll: 300 },
    parse: parseSleep,
  }),
  opt('scheduled_interval', 'duration', 0, 'Run a poll/flow pass every N seconds.'),
  opt('scheduled_hour', 'list', [], 'Hours (comma-separated) at which to run a pass.'),
  opt('scheduled_minute', 'list', [], 'Minutes (comma-separated) at which to run a pass.'),
  opt('scheduled_time', 'list', [], 'Times HH:MM (comma-separated) at which to run a pass.'),
  opt('timeout', 'duration', 300, 'Per-operation network timeout, seconds.'),
  opt('transferRateMin', 'size', 1024,
    'Floor rate of one transfer, bytes/s: a file of known size is given up and retried after timeout + size / this; 0 = no deadline.',
    { status: 'implemented' }),
  opt('messageRateMax', 'float', 0, 'Maximum messages per second (throttle); 0 = off.', {
    status: 'implemented',
    synonyms: ['post_rate_limit'],
  }),
  opt('messageRateMin', 'float', 0, 'Alarm when fewer messages per second arrive; 0 = off.', { status: 'implemented' }),
  opt('byteRateMax', 'size', 0, 'Maximum transfer bytes per second; 0 = off.', { status: 'implemented' }),
  opt('messageCountMax', 'count', 0, 'Exit after N messages (debugging); 0 = never.'),

  opt('source', 'str', undefined, 'Source name stamped on posted messages.'),
  opt('sourceFromExchange', 'flag', false, 'Set message source from the xs_<user> exchange it came from.', {
    synonyms: ['source_from_exchange'],
  }),
  opt('sourceFromMessage', 'flag', false, 'Trust the source field of received messages.', { status: 'implemented' }),
  opt('cluster', 'str', undefined, 'Cluster name stamped as from_cluster.'),
  opt('vip', 'list', [], 'Virtual IP(s) whose presence on this node makes it the active one.'),
  opt('path', 'list', [], 'Poll: remote directories; post/watch: local paths to post.', { synonyms: ['p'] }),
  opt('sendTo', 'url', undefined, 'Sender destination URL (sftp://, file:, ...).', { synonyms: ['destination', 'remoteUrl'] }),
  opt('pollUrl', 'url', undefined, 'Poll: URL of the server to list.', { componentSynonyms: { poll: ['destination'] } }),

  opt('inline', 'flag', false, 'Embed file content in the message.', { synonyms: ['content', 'inl'] }),
  opt('inlineByteMax', 'size', 4096, 'Largest file embedded, bytes.', { synonyms: ['inline_max', 'content_max', 'imx'] }),
  opt('inlineEncoding', 'str', 'guess', 'Encoding of inlined content: guess, text or binary.', {
    synonyms: ['inline_encoding', 'content_encoding'],
    choices: ['guess', 'text', 'binary'],
  }),
  opt('inlineOnly', 'flag', false, 'Drop messages whose content could not be inlined.', { status: 'implemented' }),
  opt('fileEvents', 'set', new Set(ALL_FILE_EVENTS), 'Watch events to post: create, modify, delete, link, mkdir, rmdir.', {
    synonyms: ['events', 'e'],
    universe: ALL_FILE_EVENTS,
  }),
  opt('force_polling', 'flag', false, 'Watch: scan directories instead of using inotify.', { synonyms: ['fp'] }),
  opt('follow_symlinks', 'flag', false,
    'Follow symlinks: watch/post also announce what a link leads to (a directory walked through the link, a file at its real path); downloads and sends may write through a link that stays under the destination.',
    { status: 'implemented', synonyms: ['fs'] }),
  opt('recursive', 'flag', true, 'Watch/post: descend into subdirectories.'),
  opt('realpathPost', 'flag', false, 'Post/watch: announce paths with their symlinked directories resolved (the real path), following symlinks.', {
    status: 'implemented',
    synonyms: ['realpath_post', 'realpath'],
  }),
  opt('post_on_start', 'flag', false, 'Watch: post every existing file at start.'),
  opt('blockSize', 'size', 0, 'Partitioned transfers block size (experimental in sr3): 0 = automatic, 1 = whole files.', {
    synonyms: ['blocksize'],
    unsupported: 'partitioned (block) transfers are not supported: files move whole (blockSize 0 or 1)',
    honoured: [0, 1],
  }),
  opt('inplace', 'flag', true, 'Reassemble partitioned files in place.', { unsupported: NO_PARTS }),
  opt('randomize', 'flag', false, 'Send the blocks of a partitioned file in random order.', { unsupported: NO_PARTS }),
  opt('bufSize', 'size', 1024 * 1024, 'Transfer buffer size, bytes.', {
    synonyms: ['bufsize'],
    unsupported: "transfer buffers are sized by sarra-ts's drivers (1 MiB blocks)",
  }),
  opt('accelThreshold', 'size', 0, 'Hand files bigger than this to an external binary; 0 = off.', {
    synonyms: ['accel_threshold', 'accel_wget_threshold', 'accel_scp_threshold', 'accel_cp_threshold'],
    unsupported: NO_ACCEL,
  }),
  opt('accelWgetCommand', 'str', '/usr/bin/wget %s -O %d', 'Accelerator command for http downloads.', {
    synonyms: ['accel_wget_command'],
    unsupported: NO_ACCEL,
  }),
  opt('accelScpCommand', 'str', '/usr/bin/scp %s %d', 'Accelerator command for sftp transfers.', {
    synonyms: ['accel_scp_command'],
    unsupported: NO_ACCEL,
  }),
  opt('accelCpCommand', 'str', '/usr/bin/cp %s %d', 'Accelerator command for local copies.', {
    synonyms: ['accel_cp_command', 'download_cp_command'],
    unsupported: NO_ACCEL,
  }),
  opt('realpathFilter', 'flag', false, 'Match accept/reject against the resolved real path.', {
    synonyms: ['realpath_filter'],
    unsupported: 'accept/reject match the path as announced',
  }),
  opt('nofsetstat', 'flag', false, 'Do not set times or modes on written files.', {
    unsupported: 'use timeCopy off and permCopy off',
  }),
  opt('timezone', 'str', 'UTC', 'Time zone of the times in poll listings.', {
    synonyms: ['destination_timezone'],
    unsupported: 'poll listings are read as UTC',
  }),
];
