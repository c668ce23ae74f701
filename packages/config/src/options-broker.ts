// Option table, part 1: broker, exchanges, queues, topics, posting (COMPAT §1 and §3).
import { opt, parseNodupeTtl } from './option-kinds.js';

/** sr3's MQTT-only options: what sarra-ts's MQTT driver does anyway is accepted, the rest refused. */
const MQTT_OPTIONS = [
  opt('qos', 'count', 1, 'MQTT subscription quality of service: 1 (acked after the work) or 0 (never acked, may lose).', {
    unsupported: 'QoS 2 is not implemented: use 1', honoured: [0, 1],
  }),
  opt('clean_session', 'flag', false, 'MQTT clean session: off, the session persists (expiry from expire).', {
    unsupported: 'the MQTT session always persists (its expiry is expire)', honoured: [false],
  }),
  opt('receiveMaximum', 'count', 0, 'MQTT receive maximum (unacknowledged messages).', { unsupported: 'the MQTT receive maximum is prefetch' }),
  opt('max_inflight_messages', 'count', 0, 'MQTT client in-flight message limit.', { unsupported: 'publishing waits for the PUBACKs of each batch instead' }),
  opt('max_queued_messages', 'count', 0, 'MQTT client queued message limit.', { unsupported: 'publishing waits for the PUBACKs of each batch instead' }),
];

export const BROKER_OPTIONS = [
  opt('broker', 'url', undefined,
    'Broker URL to consume from (amqp[s]://user@host[:port]/vhost or mqtt[s]://user@host[:port]; no user = anonymous, password anonymous unless credentials.conf has one); mandatory for consumers.', {
    synonyms: ['b'],
  }),
  opt('exchange', 'str', undefined, 'Exchange to bind to; default xpublic for anonymous, else xs_<brokerUser>.', { synonyms: ['ex'] }),
  opt('exchangeSuffix', 'str', undefined, 'Suffix appended to the default exchange: xs_<user>_<suffix>.', {
    synonyms: ['exchange_suffix'],
  }),
  opt('exchangeSplit', 'count', 0, 'Append the two-digit instance number to the subscribe exchange (pairs with post_exchangeSplit).', {
    synonyms: ['exchange_split'],
  }),
  opt('topicPrefix', 'str', 'v03', 'First topic words (protocol version) for bindings: v03 or v02.post.', {
    synonyms: ['topic_prefix'],
  }),
  opt('subtopic', 'list', [], 'AMQP binding pattern after topicPrefix (* one word, # the rest); repeatable; None = no binding.'),
  opt('topic', 'str', undefined, 'Override the whole binding key.'),
  opt('topicCopy', 'flag', false, 'Re-publish with the received topic unchanged.'),
  opt('queueName', 'str', undefined, 'Explicit queue name (must start with q_<brokerUser>).', {
    synonyms: ['queue_name', 'queue', 'qn'],
  }),
  opt('queueShare', 'str', '${USER}_${HOSTNAME}_${RAND8}', 'Suffix of the derived queue name; decides who shares the queue.'),
  opt('queueType', 'str', 'classic',
    'RabbitMQ queue type (x-queue-type): classic, quorum (replicated; always durable, never auto-delete) or stream (one instance; its read position is kept in the state directory).', {
    status: 'implemented',
    choices: ['classic', 'quorum', 'stream'],
  }),
  opt('queueDeclare', 'flag', true, 'Declare the queue.', { synonyms: ['declare_queue'] }),
  opt('queueBind', 'flag', true, 'Bind the queue to the exchange.', { synonyms: ['bind_queue'] }),
  opt('exchangeDeclare', 'flag', true, 'Declare the exchanges.', { synonyms: ['declare_exchange'] }),
  opt('durable', 'flag', true, 'Declare durable queues.'),
  opt('auto_delete', 'flag', false, 'Declare auto-delete queues.'),
  opt('persistent', 'flag', true, 'Publish persistent messages (delivery mode 2).'),
  opt('expire', 'duration', 300, 'Idle queue lifetime on the broker (x-expires), seconds; RECOMMEND overriding.', {
    synonyms: ['expiry'],
  }),
  opt('messageAgeMax', 'duration', 0, 'Queue x-message-ttl and client-side reject of older messages (504); 0 = off.', {
    synonyms: ['message_age_max'],
  }),
  opt('prefetch', 'count', 25, 'Unacknowledged messages per consumer (AMQP QoS).'),
  opt('batch', 'count', 100, 'Maximum messages per pass.'),
  opt('instances', 'count', 1, 'Processes per configuration, all sharing one queue.', { synonyms: ['instance'] }),
  opt('amqp_consumer', 'flag', true, 'Consume with basic_consume (sr3 default: off, polling with basic_get).', {
    unsupported: 'sarra-ts always consumes with basic_consume and prefetch; basic_get polling is not implemented',
  }),
  ...MQTT_OPTIONS,

  opt('post_broker', 'url', undefined, 'Broker URL to publish to.', { synonyms: ['pb'] }),
  opt('post_exchange', 'str', undefined, 'Exchange to publish to; default xs_<post_broker user>[_suffix].', { synonyms: ['pe'] }),
  opt('post_exchangeSuffix', 'str', undefined, 'Suffix of the default post exchange.', { synonyms: ['post_exchange_suffix'] }),
  opt('post_exchangeSplit', 'count', 0, 'Publish to N exchanges <x>00..<x>N-1, chosen by identity checksum.', {
    synonyms: ['post_exchange_split'],
  }),
  opt('post_topicPrefix', 'str', undefined, 'Topic prefix (format) of outgoing messages; default = topicPrefix.', {
    synonyms: ['post_topic_prefix'],
  }),
  opt('post_topic', 'str', undefined, 'Publish every notice with this topic (routing key) instead of post_topicPrefix + its directories.', {
    status: 'implemented',
  }),
  opt('post_format', 'str', undefined, 'Outgoing message format: v02, v03 or wis; default from post_topicPrefix.', {
    choices: ['v02', 'v03', 'wis'],
  }),
  opt('post_baseUrl', 'str', undefined, 'URL prefix subscribers use to fetch what this flow produced.', {
    synonyms: ['post_base_url', 'post_url', 'post_baseurl', 'pbu'],
  }),
  opt('post_baseDir', 'str', undefined, 'Local path prefix removed to form relPath when posting.', {
    synonyms: ['post_base_dir', 'post_document_root', 'post_basedir', 'pbd'],
  }),
  opt('post_messageAgeMax', 'duration', 0, 'Per-message TTL when publishing; 0 = none.', {
    synonyms: ['message_ttl', 'message-ttl'],
  }),
  opt('report', 'flag', false, 'Publish report messages (code, message) for each processed file.', { synonyms: ['report_back'] }),
  opt('report_broker', 'url', undefined, 'Broker for reports; default the subscribe broker.'),
  opt('report_exchange', 'str', undefined, 'Exchange for reports; default xr_<user> (xreport for feeder/admin).'),

  opt('nodupe_ttl', 'duration', 0, 'Duplicate-suppression window, seconds; `on` = 300; 0 = off.', {
    synonyms: ['cache', 'caching', 'suppress_duplicates', 'no_duplicates', 'nd', 'sd'],
    componentDefaults: { winnow: 300, poll: 7 * 3600 },
    parse: parseNodupeTtl,
  }),
  opt('nodupe_basis', 'str', 'path', 'Duplicate key basis: path, name or data.', {
    synonyms: ['cache_basis', 'suppress_duplicates_basis', 'cb', 'sdb'],
    choices: ['path', 'name', 'data'],
  }),
  opt('nodupe_driver', 'str', 'disk', 'Duplicate cache store: disk or redis.', {
    choices: ['disk', 'redis'],
    unsupported: 'the duplicate cache is kept per instance on disk; there is no redis driver',
  }),
];
