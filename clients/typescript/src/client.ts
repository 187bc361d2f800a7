// CrmClient: every service of a CRM host over one channel, with one session token.
import * as grpc from '@grpc/grpc-js';

import { AccountsClient } from './accounts';
import type { CallOptions, Connection } from './call';
import { ContactsClient } from './contacts';
import type { AuthenticateRequest } from './generated/accounts/v1/AuthenticateRequest';
import type { AuthenticateResponse__Output as AuthenticateResponse } from './generated/accounts/v1/AuthenticateResponse';
import { HealthClient, HostClient } from './host';

export interface CrmClientOptions {
  /** Default: insecure (plaintext), as the host serves. */
  credentials?: grpc.ChannelCredentials;
  /** A session token (from Authenticate) to send from the first call on. */
  token?: string;
  /** Deadline of every call in milliseconds; none by default. CallOptions.timeoutMs overrides it. */
  timeoutMs?: number;
  channelOptions?: grpc.ChannelOptions;
}

/**
 * A client for every service of a CRM host: `accounts`, `contacts`, `host`
 * (crm.host.v1.HostService) and `health`. They share one channel and one
 * session token, sent as `authorization: Bearer <token>` with every call:
 * `login()` (or `setToken()`) sets it once for all of them.
 *
 * Responses have every field (scalars at their default, repeated fields [],
 * maps {}, unset messages null), timestamps as Date, enums as their names.
 * A failed call rejects with RpcError.
 */
export class CrmClient {
  readonly accounts: AccountsClient;
  readonly contacts: ContactsClient;
  readonly host: HostClient;
  readonly health: HealthClient;
  private readonly connection: Connection;

  /** `address` is host:port, e.g. "localhost:50051"; or a grpc-js Client whose channel to share. */
  constructor(address: string | grpc.Client, options: CrmClientOptions = {}) {
    const channel =
      typeof address === 'string'
        ? new grpc.Client(address, options.credentials ?? grpc.credentials.createInsecure(), options.channelOptions)
        : address;
    this.connection = { channel, token: options.token, timeoutMs: options.timeoutMs };
    this.accounts = new AccountsClient(this.connection);
    this.contacts = new ContactsClient(this.connection);
    this.host = new HostClient(this.connection);
    this.health = new HealthClient(this.connection);
  }

  /** The session token sent with every call, if any. */
  get token(): string | undefined {
    return this.connection.token;
  }

  /** Sends `token` with every later call of every service; undefined stops sending one. */
  setToken(token: string | undefined): void {
    this.connection.token = token;
  }

  /** Authenticates and keeps the session token for every later call. */
  async login(request: AuthenticateRequest, options?: CallOptions): Promise<AuthenticateResponse> {
    const response = await this.accounts.authenticate(request, options);
    this.setToken(response.sessionToken);
    return response;
  }

  /** Revokes the current session on the host, then forgets its token. */
  async logout(options?: CallOptions): Promise<void> {
    await this.accounts.revokeSession({}, options);
    this.setToken(undefined);
  }

  /** Another client on the same channel with its own token: one process, several users. */
  withToken(token: string | undefined): CrmClient {
    const options: CrmClientOptions = {};
    if (token !== undefined) options.token = token;
    if (this.connection.timeoutMs !== undefined) options.timeoutMs = this.connection.timeoutMs;
    return new CrmClient(this.connection.channel, options);
  }

  /** Closes the channel, shared with every client made by withToken. */
  close(): void {
    this.connection.channel.close();
  }
}
