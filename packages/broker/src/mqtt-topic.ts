// sr3's MQTT topic mapping (COMPAT §3): the exchange is the first topic level, AMQP words become `/` levels.

/**
 * The MQTT topic filter of an AMQP binding: `<exchange>/<key words>` with `*` -> `+` (`#` stays), so
 * `xpublic` + `v03.*.WXO-DD.#` is `xpublic/v03/+/WXO-DD/#`. With `shareGroup` (MQTT 5 shared subscription,
 * sr3's queue name) it is `$share/<group>/<filter>`; `/`, `+` and `#` in the group name become `_`.
 */
export function subscriptionFilter(exchange: string, key: string, shareGroup?: string): string {
  const words = key.split('.').map((w) => (w === '*' ? '+' : w));
  const filter = [exchange, ...words].join('/');
  return shareGroup ? `$share/${shareGroup.replace(/[/+#]/g, '_')}/${filter}` : filter;
}

/** The content type of a WIS2 notification message (@sarra/message's WIS_CONTENT_TYPE; this package does not depend on it). */
const WIS_CONTENT_TYPE = 'application/geo+json';

/**
 * The topic a message is published on: the exchange, then the routing key's words as levels. A WIS2 notification
 * message (`contentType` application/geo+json) goes on its WIS2 topic alone (`origin/a/wis2/...`): the WIS2 topic
 * hierarchy starts at the root, and sr3 posts a wis message on its own topic, without the exchange. `+` and `#` in
 * a word (wildcards in MQTT, not in AMQP) are escaped as sr3 does (`%2B`, `%23`); an empty word stays an empty level.
 */
export function publishTopic(exchange: string, routingKey: string, contentType?: string): string {
  const words = routingKey.split('.').map((w) => w.replace(/\+/g, '%2B').replace(/#/g, '%23'));
  return (contentType?.startsWith(WIS_CONTENT_TYPE) ? words : [exchange, ...words]).join('/');
}

/** A received topic as the flow sees it: the exchange (first level) and the AMQP routing key (the other levels joined by `.`). */
export function fromTopic(topic: string): { exchange: string; routingKey: string } {
  const [exchange = '', ...rest] = topic.split('/');
  return { exchange, routingKey: rest.join('.') };
}
