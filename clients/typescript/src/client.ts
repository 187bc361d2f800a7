// A small promise-based client for accounts.v1.AccountsService.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import { RpcError } from './errors';
import type { ProtoGrpcType } from './generated/accounts';
import type { Account__Output } from './generated/accounts/v1/Account';
import type { AccountsServiceClient } from './generated/accounts/v1/AccountsService';
import type { AuthenticateRequest } from './generated/accounts/v1/AuthenticateRequest';
import type { AuthenticateResponse__Output } from './generated/accounts/v1/AuthenticateResponse';
import type { ChangePasswordRequest } from './generated/accounts/v1/ChangePasswordRequest';
import type { CreateAccountRequest } from './generated/accounts/v1/CreateAccountRequest';
import type { CreateAccountResponse__Output } from './generated/accounts/v1/CreateAccountResponse';
import type { DeleteAccountRequest } from './generated/accounts/v1/DeleteAccountRequest';
import type { DisableAccountRequest } from './generated/accounts/v1/DisableAccountRequest';
import type { EnableAccountRequest } from './generated/accounts/v1/EnableAccountRequest';
import type { GetAccountRequest } from './generated/accounts/v1/GetAccountRequest';
import type { ListAccountsRequest } from './generated/accounts/v1/ListAccountsRequest';
import type { ListAccountsResponse__Output } from './generated/accounts/v1/ListAccountsResponse';
import type { ListSessionsRequest } from './generated/accounts/v1/ListSessionsRequest';
import type { ListSessionsResponse__Output } from './generated/accounts/v1/ListSessionsResponse';
import type { RevokeAllSessionsRequest } from './generated/accounts/v1/RevokeAllSessionsRequest';
import type { RevokeSessionRequest } from './generated/accounts/v1/RevokeSessionRequest';
import type { UpdateAccountRequest } from './generated/accounts/v1/UpdateAccountRequest';
import type { Empty__Output } from './generated/google/protobuf/Empty';
import type { Timestamp__Output } from './generated/google/protobuf/Timestamp';

/**
 * clients/typescript/protos/accounts.proto, a symlink to the repository's
 * protos/accounts/v1/accounts.proto; found from dist/src/ (compiled) or src/.
 */
export const DEFAULT_PROTO_PATH =
  [path.resolve(__dirname, '..', '..', 'protos', 'accounts.proto'), path.resolve(__dirname, '..', 'protos', 'accounts.proto')].find(
    (candidate) => fs.existsSync(candidate),
  ) ?? path.resolve(__dirname, '..', '..', 'protos', 'accounts.proto');

export interface AccountsClientOptions {
  /** Default: insecure (plaintext), as the host serves. */
  credentials?: grpc.ChannelCredentials;
  /** Session token from Authenticate, sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Per-call deadline in milliseconds; none by default. */
  timeoutMs?: number;
  protoPath?: string;
  channelOptions?: grpc.ChannelOptions;
}

/** Per-call options. */
export interface CallOptions {
  timeoutMs?: number;
  /** Extra request metadata. */
  metadata?: grpc.Metadata;
}

type Invoke<Res> = (
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

/**
 * The options the client loads the proto with. src/generated/ is generated with
 * the matching `--defaults` (scripts/generate.mjs): change both or neither.
 * Every response field is then present: scalars at their default, repeated
 * fields as [], unset message fields null.
 */
export const LOAD_OPTIONS: protoLoader.Options = { defaults: true };

/** Loads the service the way the generated types describe: loadSync with LOAD_OPTIONS. */
export function loadAccountsProto(protoPath: string = DEFAULT_PROTO_PATH): ProtoGrpcType {
  return grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, LOAD_OPTIONS)) as unknown as ProtoGrpcType;
}

/**
 * Wraps every AccountsService RPC in a promise. Failures reject with RpcError.
 * Responses are the generated `__Output` types, every field present (see
 * LOAD_OPTIONS): `nextPageToken` is '' on the last page, `accounts` [] on an
 * empty one.
 */
export class AccountsClient {
  readonly raw: AccountsServiceClient;
  readonly token: string | undefined;
  private readonly timeoutMs: number | undefined;

  constructor(address: string, options?: AccountsClientOptions);
  /** Shares `raw` (one channel); used by withToken. */
  constructor(raw: AccountsServiceClient, options?: AccountsClientOptions);
  constructor(target: string | AccountsServiceClient, options: AccountsClientOptions = {}) {
    if (typeof target === 'string') {
      const proto = loadAccountsProto(options.protoPath);
      this.raw = new proto.accounts.v1.AccountsService(
        target,
        options.credentials ?? grpc.credentials.createInsecure(),
        options.channelOptions,
      );
    } else {
      this.raw = target;
    }
    this.token = options.token;
    this.timeoutMs = options.timeoutMs;
  }

  /** A client on the same channel that sends `token` with every call. */
  withToken(token: string): AccountsClient {
    const options: AccountsClientOptions = { token };
    if (this.timeoutMs !== undefined) options.timeoutMs = this.timeoutMs;
    return new AccountsClient(this.raw, options);
  }

  /** Closes the channel (shared with clients made by withToken). */
  close(): void {
    this.raw.close();
  }

  createAccount(request: CreateAccountRequest, options?: CallOptions): Promise<CreateAccountResponse__Output> {
    return this.call((md, o, cb) => this.raw.createAccount(request, md, o, cb), options);
  }

  getAccount(request: GetAccountRequest, options?: CallOptions): Promise<Account__Output> {
    return this.call((md, o, cb) => this.raw.getAccount(request, md, o, cb), options);
  }

  listAccounts(request: ListAccountsRequest, options?: CallOptions): Promise<ListAccountsResponse__Output> {
    return this.call((md, o, cb) => this.raw.listAccounts(request, md, o, cb), options);
  }

  /** Every account matching the request, fetching page after page. */
  async *listAllAccounts(request: Omit<ListAccountsRequest, 'pageToken'> = {}, options?: CallOptions): AsyncGenerator<Account__Output> {
    let pageToken = '';
    do {
      const page = await this.listAccounts({ ...request, pageToken }, options);
      yield* page.accounts;
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
  }

  updateAccount(request: UpdateAccountRequest, options?: CallOptions): Promise<Account__Output> {
    return this.call((md, o, cb) => this.raw.updateAccount(request, md, o, cb), options);
  }

  deleteAccount(request: DeleteAccountRequest, options?: CallOptions): Promise<Empty__Output> {
    return this.call((md, o, cb) => this.raw.deleteAccount(request, md, o, cb), options);
  }

  disableAccount(request: DisableAccountRequest, options?: CallOptions): Promise<Account__Output> {
    return this.call((md, o, cb) => this.raw.disableAccount(request, md, o, cb), options);
  }

  enableAccount(request: EnableAccountRequest, options?: CallOptions): Promise<Account__Output> {
    return this.call((md, o, cb) => this.raw.enableAccount(request, md, o, cb), options);
  }

  changePassword(request: ChangePasswordRequest, options?: CallOptions): Promise<Empty__Output> {
    return this.call((md, o, cb) => this.raw.changePassword(request, md, o, cb), options);
  }

  authenticate(request: AuthenticateRequest, options?: CallOptions): Promise<AuthenticateResponse__Output> {
    return this.call((md, o, cb) => this.raw.authenticate(request, md, o, cb), options);
  }

  revokeSession(request: RevokeSessionRequest = {}, options?: CallOptions): Promise<Empty__Output> {
    return this.call((md, o, cb) => this.raw.revokeSession(request, md, o, cb), options);
  }

  listSessions(request: ListSessionsRequest, options?: CallOptions): Promise<ListSessionsResponse__Output> {
    return this.call((md, o, cb) => this.raw.listSessions(request, md, o, cb), options);
  }

  revokeAllSessions(request: RevokeAllSessionsRequest, options?: CallOptions): Promise<Empty__Output> {
    return this.call((md, o, cb) => this.raw.revokeAllSessions(request, md, o, cb), options);
  }

  private call<Res>(invoke: Invoke<Res>, options: CallOptions = {}): Promise<Res> {
    const metadata = options.metadata?.clone() ?? new grpc.Metadata();
    if (this.token !== undefined) metadata.set('authorization', `Bearer ${this.token}`);
    const callOptions: grpc.CallOptions = {};
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    if (timeoutMs !== undefined) callOptions.deadline = Date.now() + timeoutMs;
    return new Promise<Res>((resolve, reject) => {
      invoke(metadata, callOptions, (error, response) => {
        if (error) reject(RpcError.fromServiceError(error));
        else if (response === undefined) reject(new Error('the call ended without a response'));
        else resolve(response);
      });
    });
  }
}

/** A google.protobuf.Timestamp as a Date (millisecond precision). */
export function timestampToDate(timestamp: Timestamp__Output | undefined | null): Date | undefined {
  if (!timestamp) return undefined;
  const seconds = Number(timestamp.seconds ?? 0);
  return new Date(seconds * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6));
}
