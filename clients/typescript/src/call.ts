// One channel and one session token, shared by the service clients of a
// CrmClient; the unary and server-streaming calls they all make.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';

import { fromWire, toWire } from './convert';
import { RpcError } from './errors';
import { DESCRIPTOR } from './generated/descriptor';

/**
 * The options the client's package definition is made with. src/generated/ is
 * generated with the matching flags (scripts/generate.mjs): change both or
 * neither. Every response field is present (scalars at their default,
 * repeated fields [], maps {}, unset messages null), enums are their names,
 * and int64 is a string (only Timestamp.seconds, which becomes a Date).
 */
export const LOAD_OPTIONS: protoLoader.Options = { defaults: true, enums: String, longs: String };

const definition = protoLoader.fromJSON(DESCRIPTOR, LOAD_OPTIONS);
const root = protobuf.Root.fromJSON(DESCRIPTOR);
root.resolveAll();

/** Per-call options. */
export interface CallOptions {
  /** Deadline in milliseconds from now; overrides the client's timeoutMs. */
  timeoutMs?: number;
  /** Extra request metadata. */
  metadata?: grpc.Metadata;
  /** Cancels the call (it then rejects with CANCELLED). */
  signal?: AbortSignal;
}

/** What the clients made from one CrmClient (or its withToken copies) share. */
export interface Connection {
  readonly channel: grpc.Client;
  /** Sent as `authorization: Bearer <token>` when set. */
  token: string | undefined;
  readonly timeoutMs: number | undefined;
}

interface Method {
  path: string;
  serialize: (value: unknown) => Buffer;
  deserialize: (bytes: Buffer) => unknown;
  requestType: protobuf.Type;
  responseType: protobuf.Type;
}

const methods = new Map<string, Method>();

function method(service: string, name: string): Method {
  const key = `${service}/${name}`;
  let found = methods.get(key);
  if (found === undefined) {
    const grpcMethod = (definition[service] as grpc.ServiceDefinition | undefined)?.[name];
    const protoMethod = root.lookupService(service).methods[name];
    if (grpcMethod === undefined || protoMethod === undefined) throw new Error(`no method ${key}`);
    found = {
      path: grpcMethod.path,
      serialize: grpcMethod.requestSerialize,
      deserialize: grpcMethod.responseDeserialize,
      requestType: protoMethod.resolvedRequestType!,
      responseType: protoMethod.resolvedResponseType!,
    };
    methods.set(key, found);
  }
  return found;
}

/** Every service the package covers, with its methods' names, from the protos it carries. */
export function describeServices(): Record<string, string[]> {
  const services: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(definition)) {
    if (!('format' in value)) services[name] = Object.keys(value);
  }
  return services;
}

/** The base of the service clients: one service's calls over a shared Connection. */
export abstract class ServiceClient {
  protected constructor(
    protected readonly connection: Connection,
    /** The full service name, e.g. "contacts.v1.ContactsService". */
    readonly serviceName: string,
  ) {}

  private prepare(options: CallOptions): [grpc.Metadata, grpc.CallOptions] {
    const metadata = options.metadata?.clone() ?? new grpc.Metadata();
    const token = this.connection.token;
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    const callOptions: grpc.CallOptions = {};
    const timeoutMs = options.timeoutMs ?? this.connection.timeoutMs;
    if (timeoutMs !== undefined) callOptions.deadline = Date.now() + timeoutMs;
    return [metadata, callOptions];
  }

  protected unary<Res>(name: string, request: object, options: CallOptions = {}): Promise<Res> {
    const { path, serialize, deserialize, requestType, responseType } = method(this.serviceName, name);
    let wire: unknown;
    try {
      wire = toWire(requestType, request);
    } catch (error) {
      return Promise.reject(error);
    }
    const [metadata, callOptions] = this.prepare(options);
    return new Promise<Res>((resolve, reject) => {
      const call = this.connection.channel.makeUnaryRequest(path, serialize, deserialize, wire, metadata, callOptions, (error, response) => {
        options.signal?.removeEventListener('abort', cancel);
        if (error) reject(RpcError.fromServiceError(error));
        else if (response === undefined) reject(new Error('the call ended without a response'));
        else resolve(fromWire(responseType, response) as Res);
      });
      const cancel = () => call.cancel();
      if (options.signal?.aborted) cancel();
      else options.signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  /** A server-streaming call as an async iterator; leaving the loop early cancels the call. */
  protected async *serverStream<Res>(name: string, request: object, options: CallOptions = {}): AsyncGenerator<Res> {
    const { path, serialize, deserialize, requestType, responseType } = method(this.serviceName, name);
    const wire = toWire(requestType, request);
    const [metadata, callOptions] = this.prepare(options);
    const call = this.connection.channel.makeServerStreamRequest(path, serialize, deserialize, wire, metadata, callOptions);
    const cancel = () => call.cancel();
    if (options.signal?.aborted) cancel();
    else options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const response of call) yield fromWire(responseType, response) as Res;
    } catch (error) {
      throw isServiceError(error) ? RpcError.fromServiceError(error) : error;
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      // The CANCELLED status that follows has no reader left.
      call.on('error', () => undefined);
      call.cancel();
    }
  }

  /** Every item of a paged List or Search, fetching page after page. */
  protected async *pages<Req extends { pageToken?: string }, Res extends { nextPageToken: string }, Item>(
    list: (request: Req, options?: CallOptions) => Promise<Res>,
    items: (page: Res) => Item[],
    request: Omit<Req, 'pageToken'>,
    options?: CallOptions,
  ): AsyncGenerator<Item> {
    let pageToken = '';
    do {
      const page = await list.call(this, { ...request, pageToken } as Req, options);
      yield* items(page);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
  }
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && typeof (error as Partial<grpc.ServiceError>).code === 'number' && 'metadata' in error;
}
