// URL schemes sarra-ts can act on: brokers it connects to, transfers it opens; and what sr3 knows that it does not.

/** Broker URL schemes sarra-ts connects to (@sarra/broker's openConsumer/openPublisher registry). */
export const BROKER_SCHEMES: readonly string[] = ['amqp', 'amqps', 'mqtt', 'mqtts'];

/** sr3's MQTT-over-WebSocket broker schemes: not spoken by sarra-ts. */
export const MQTT_WS_SCHEMES: readonly string[] = ['mqttw', 'mqttws'];

/**
 * Transfer schemes @sarra/transfer's registry opens. Kept equal to `supportedSchemes()` by
 * packages/transfer/test/config-schemes.test.ts (config cannot import transfer: it sits to its left).
 */
export const TRANSFER_SCHEMES: readonly string[] = ['file', 'ftp', 'ftps', 'http', 'https', 'sftp'];

/** The scheme of a URL as written (`sftp://u@h/` -> 'sftp'), lower case; undefined without one. */
export function schemeOf(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(url.trim())?.[1]?.toLowerCase();
}
