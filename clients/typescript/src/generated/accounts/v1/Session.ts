// Original file: ../../protos/accounts/v1/accounts.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

/**
 * A login session. Its token is returned once, by Authenticate, and only its
 * hash is stored.
 */
export interface Session {
  'id'?: (string);
  'accountId'?: (string);
  'createTime'?: (_google_protobuf_Timestamp | null);
  /**
   * The session ends at this time whatever happens (absolute expiry).
   */
  'expireTime'?: (_google_protobuf_Timestamp | null);
  /**
   * Approximate: updated at most once a minute.
   */
  'lastUsedTime'?: (_google_protobuf_Timestamp | null);
}

/**
 * A login session. Its token is returned once, by Authenticate, and only its
 * hash is stored.
 */
export interface Session__Output {
  'id': (string);
  'accountId': (string);
  'createTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * The session ends at this time whatever happens (absolute expiry).
   */
  'expireTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * Approximate: updated at most once a minute.
   */
  'lastUsedTime': (_google_protobuf_Timestamp__Output | null);
}
