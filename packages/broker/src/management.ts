// RabbitMQ management HTTP API client (axios) for the CLI and tests; never loaded by an instance.
import axios, { type AxiosInstance } from 'axios';
import { SarraError, TransientError, describeError } from '@sarra/common';

/** A queue as the management API lists it (the fields sarra-ts reads). */
export interface QueueInfo {
  name: string;
  vhost: string;
  messages: number;
  messages_ready: number;
  messages_unacknowledged: number;
  consumers: number;
  durable: boolean;
  auto_delete: boolean;
  arguments: Record<string, unknown>;
}

export interface ExchangeInfo {
  name: string;
  type: string;
  vhost: string;
  durable: boolean;
}

export interface BindingInfo {
  source: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  vhost: string;
}

export interface ConnectionInfo {
  name: string;
  vhost: string;
  user: string;
  /** negotiated heartbeat, s */
  timeout?: number;
  client_properties?: { connection_name?: string };
}

export interface Permissions {
  configure: string;
  write: string;
  read: string;
}

/**
 * Client for the RabbitMQ management plugin (http://host:15672/api). Every method throws
 * TransientError (code ERR_MGMT_UNREACHABLE) when the API cannot be reached, SarraError
 * (code ERR_MGMT_<status>) when it answers with an error. Vhost and names are URL-encoded here.
 */
export class Management {
  private readonly http: AxiosInstance;

  /** @param baseUrl e.g. http://127.0.0.1:15672 (default); '/api' is appended. */
  constructor(
    readonly baseUrl = 'http://127.0.0.1:15672',
    user = 'guest',
    password = 'guest',
    timeoutMs = 10_000,
  ) {
    this.http = axios.create({
      baseURL: `${baseUrl.replace(/\/+$/, '')}/api`,
      auth: { username: user, password },
      timeout: timeoutMs,
      headers: { 'content-type': 'application/json' },
      // we map statuses to errors ourselves
      validateStatus: () => true,
      proxy: false,
    });
  }

  private async call<T>(
    method: 'get' | 'put' | 'delete',
    path: string,
    body?: unknown,
    okMissing = false,
    headers?: Record<string, string>,
  ): Promise<T | undefined> {
    let res;
    try {
      res = await this.http.request<T>({ method, url: path, data: body, headers });
    } catch (err) {
      throw new TransientError(`management API ${this.baseUrl} unreachable: ${describeError(err)}`, {
        code: 'ERR_MGMT_UNREACHABLE',
        cause: err,
      });
    }
    if (res.status === 404 && okMissing) return undefined;
    if (res.status >= 400) {
      const reason = typeof res.data === 'object' && res.data ? JSON.stringify(res.data) : String(res.data);
      throw new SarraError(`ERR_MGMT_${res.status}`, `management API ${method.toUpperCase()} ${path}: ${res.status} ${reason}`);
    }
    return res.data;
  }

  private static v(vhost: string): string {
    return encodeURIComponent(vhost);
  }

  /** Queues of `vhost`, or of every vhost. */
  async queues(vhost?: string): Promise<QueueInfo[]> {
    return (await this.call<QueueInfo[]>('get', vhost === undefined ? '/queues' : `/queues/${Management.v(vhost)}`)) ?? [];
  }

  /** One queue with its arguments, or undefined if it does not exist. */
  queue(vhost: string, name: string): Promise<QueueInfo | undefined> {
    return this.call<QueueInfo>('get', `/queues/${Management.v(vhost)}/${encodeURIComponent(name)}`, undefined, true);
  }

  /** Deletes a queue and its messages. Missing is not an error. */
  async deleteQueue(vhost: string, name: string): Promise<void> {
    await this.call('delete', `/queues/${Management.v(vhost)}/${encodeURIComponent(name)}`, undefined, true);
  }

  async exchanges(vhost?: string): Promise<ExchangeInfo[]> {
    return (await this.call<ExchangeInfo[]>('get', vhost === undefined ? '/exchanges' : `/exchanges/${Management.v(vhost)}`)) ?? [];
  }

  async bindings(vhost?: string): Promise<BindingInfo[]> {
    return (await this.call<BindingInfo[]>('get', vhost === undefined ? '/bindings' : `/bindings/${Management.v(vhost)}`)) ?? [];
  }

  /** Client connections, of one vhost or all. */
  async connections(vhost?: string): Promise<ConnectionInfo[]> {
    const path = vhost === undefined ? '/connections' : `/vhosts/${Management.v(vhost)}/connections`;
    return (await this.call<ConnectionInfo[]>('get', path)) ?? [];
  }

  /** Forces a connection closed (the client sees connection-forced, 320). Missing is not an error. */
  async closeConnection(name: string, reason = 'closed by sarra-ts'): Promise<void> {
    await this.call('delete', `/connections/${encodeURIComponent(name)}`, undefined, true, { 'X-Reason': reason });
  }

  async vhosts(): Promise<{ name: string }[]> {
    return (await this.call<{ name: string }[]>('get', '/vhosts')) ?? [];
  }

  async createVhost(vhost: string): Promise<void> {
    await this.call('put', `/vhosts/${Management.v(vhost)}`, {});
  }

  /** Deletes the vhost and everything in it. Missing is not an error. */
  async deleteVhost(vhost: string): Promise<void> {
    await this.call('delete', `/vhosts/${Management.v(vhost)}`, undefined, true);
  }

  async users(): Promise<{ name: string; tags: string | string[] }[]> {
    return (await this.call<{ name: string; tags: string | string[] }[]>('get', '/users')) ?? [];
  }

  /** Creates or updates a user. `tags` e.g. 'administrator', '' for none. */
  async putUser(name: string, password: string, tags = ''): Promise<void> {
    await this.call('put', `/users/${encodeURIComponent(name)}`, { password, tags });
  }

  /** Missing is not an error. */
  async deleteUser(name: string): Promise<void> {
    await this.call('delete', `/users/${encodeURIComponent(name)}`, undefined, true);
  }

  /** Sets configure/write/read regexes of `user` on `vhost`. */
  async setPermissions(vhost: string, user: string, perms: Permissions): Promise<void> {
    await this.call('put', `/permissions/${Management.v(vhost)}/${encodeURIComponent(user)}`, perms);
  }

  /** Cluster overview (versions, totals); a cheap reachability check. */
  async overview(): Promise<{ rabbitmq_version?: string; management_version?: string }> {
    return (await this.call<{ rabbitmq_version?: string }>('get', '/overview')) ?? {};
  }
}
