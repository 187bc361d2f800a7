// Rich gRPC errors (AIP-193): the google.rpc.Status in the
// `grpc-status-details-bin` trailer, decoded into RpcError.
//
// The few google.rpc messages needed are declared here with protobufjs (the
// library @grpc/proto-loader itself uses) instead of loading
// google/rpc/status.proto and error_details.proto: no extra package, and these
// messages' wire format is frozen. Unknown detail types are kept undecoded.
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';

export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

const TYPE_URL_PREFIX = 'type.googleapis.com/';

const root = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { typeUrl: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
            Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
            ErrorInfo: {
              fields: {
                reason: { type: 'string', id: 1 },
                domain: { type: 'string', id: 2 },
                metadata: { keyType: 'string', type: 'string', id: 3 } as protobuf.IMapField,
              },
            },
            BadRequest: {
              fields: { fieldViolations: { rule: 'repeated', type: 'FieldViolation', id: 1 } },
              nested: {
                FieldViolation: {
                  fields: {
                    field: { type: 'string', id: 1 },
                    description: { type: 'string', id: 2 },
                    reason: { type: 'string', id: 3 },
                  },
                },
              },
            },
            RetryInfo: { fields: { retryDelay: { type: 'google.protobuf.Duration', id: 1 } } },
          },
        },
      },
    },
  },
});

const StatusType = root.lookupType('google.rpc.Status');
const ErrorInfoType = root.lookupType('google.rpc.ErrorInfo');
const BadRequestType = root.lookupType('google.rpc.BadRequest');
const RetryInfoType = root.lookupType('google.rpc.RetryInfo');

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, defaults: true, arrays: true, objects: true };

export interface FieldViolation {
  field: string;
  description: string;
  reason: string;
}

export interface ErrorInfo {
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

/** What the `grpc-status-details-bin` trailer carried, decoded. */
export interface StatusDetails {
  code: number;
  message: string;
  errorInfo?: ErrorInfo;
  fieldViolations: FieldViolation[];
  /** google.rpc.RetryInfo.retry_delay in seconds (with the nanos as a fraction). */
  retryDelaySeconds?: number;
  /** Details of other types, undecoded. */
  unknownDetails: { typeUrl: string; value: Uint8Array }[];
}

interface AnyObject {
  typeUrl: string;
  value: Uint8Array;
}

/** Decodes a serialized google.rpc.Status. Throws on malformed bytes. */
export function decodeStatus(bytes: Uint8Array): StatusDetails {
  const status = StatusType.toObject(StatusType.decode(bytes), TO_OBJECT) as {
    code: number;
    message: string;
    details: AnyObject[];
  };
  const result: StatusDetails = {
    code: status.code,
    message: status.message,
    fieldViolations: [],
    unknownDetails: [],
  };
  for (const any of status.details) {
    const typeName = any.typeUrl.startsWith(TYPE_URL_PREFIX)
      ? any.typeUrl.slice(TYPE_URL_PREFIX.length)
      : any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
    switch (typeName) {
      case 'google.rpc.ErrorInfo':
        result.errorInfo = ErrorInfoType.toObject(ErrorInfoType.decode(any.value), TO_OBJECT) as ErrorInfo;
        break;
      case 'google.rpc.BadRequest': {
        const badRequest = BadRequestType.toObject(BadRequestType.decode(any.value), TO_OBJECT) as {
          fieldViolations: FieldViolation[];
        };
        result.fieldViolations.push(...badRequest.fieldViolations);
        break;
      }
      case 'google.rpc.RetryInfo': {
        const retry = RetryInfoType.toObject(RetryInfoType.decode(any.value), TO_OBJECT) as {
          retryDelay: { seconds: number; nanos: number } | null;
        };
        if (retry.retryDelay) result.retryDelaySeconds = retry.retryDelay.seconds + retry.retryDelay.nanos / 1e9;
        break;
      }
      default:
        result.unknownDetails.push({ typeUrl: any.typeUrl, value: any.value });
    }
  }
  return result;
}

/** Reads and decodes the status details trailer; undefined when there is none. */
export function statusDetailsFromMetadata(metadata: grpc.Metadata | undefined): StatusDetails | undefined {
  const values = metadata?.get(STATUS_DETAILS_KEY) ?? [];
  const bytes = values.find((value): value is Buffer => Buffer.isBuffer(value));
  return bytes === undefined ? undefined : decodeStatus(bytes);
}

/**
 * A failed call. `message` is the server's status message (without grpc-js's
 * "3 INVALID_ARGUMENT: " prefix); the rest comes from the status details when
 * the server sent them.
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  /** The gRPC status code, e.g. grpc.status.INVALID_ARGUMENT (3). */
  readonly code: grpc.status;
  /** The code's name, e.g. "INVALID_ARGUMENT". */
  readonly codeName: string;
  /** google.rpc.ErrorInfo.reason, e.g. "VALIDATION_FAILED". */
  readonly reason: string | undefined;
  /** google.rpc.ErrorInfo.domain, e.g. "accounts.v1.AccountsService". */
  readonly domain: string | undefined;
  /** google.rpc.ErrorInfo.metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  /** google.rpc.BadRequest.field_violations. */
  readonly fieldViolations: readonly FieldViolation[];
  /** google.rpc.RetryInfo.retry_delay, in seconds. */
  readonly retryDelaySeconds: number | undefined;
  /** The response trailers. */
  readonly trailers: grpc.Metadata;
  readonly details: StatusDetails | undefined;

  constructor(code: grpc.status, message: string, trailers: grpc.Metadata, details: StatusDetails | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.codeName = grpc.status[code] ?? `CODE_${code}`;
    this.trailers = trailers;
    this.details = details;
    this.reason = details?.errorInfo?.reason;
    this.domain = details?.errorInfo?.domain;
    this.metadata = details?.errorInfo?.metadata ?? {};
    this.fieldViolations = details?.fieldViolations ?? [];
    this.retryDelaySeconds = details?.retryDelaySeconds;
  }

  /** Wraps a grpc-js error; a trailer that does not decode is ignored. */
  static fromServiceError(error: grpc.ServiceError): RpcError {
    const trailers = error.metadata ?? new grpc.Metadata();
    let details: StatusDetails | undefined;
    try {
      details = statusDetailsFromMetadata(trailers);
    } catch {
      details = undefined;
    }
    return new RpcError(error.code, details?.message || error.details, trailers, details, { cause: error });
  }

  /** The violations of one field, e.g. violationsOf('password'). */
  violationsOf(field: string): FieldViolation[] {
    return this.fieldViolations.filter((violation) => violation.field === field);
  }
}
