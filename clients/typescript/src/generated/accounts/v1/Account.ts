// Original file: ../../protos/accounts/v1/accounts.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

// Original file: ../../protos/accounts/v1/accounts.proto

/**
 * Whether the account may be used.
 */
export const _accounts_v1_Account_State = {
  STATE_UNSPECIFIED: 'STATE_UNSPECIFIED',
  ACTIVE: 'ACTIVE',
  DISABLED: 'DISABLED',
} as const;

/**
 * Whether the account may be used.
 */
export type _accounts_v1_Account_State =
  | 'STATE_UNSPECIFIED'
  | 0
  | 'ACTIVE'
  | 1
  | 'DISABLED'
  | 2

/**
 * Whether the account may be used.
 */
export type _accounts_v1_Account_State__Output = typeof _accounts_v1_Account_State[keyof typeof _accounts_v1_Account_State]

/**
 * A user account. It never carries the password or its hash.
 */
export interface Account {
  /**
   * Output only. Server-assigned random UUID.
   */
  'id'?: (string);
  /**
   * Display name: 1 to 200 characters, trimmed.
   */
  'name'?: (string);
  /**
   * Email address, unique regardless of letter case; stored normalized.
   */
  'email'?: (string);
  /**
   * Output only. Changed only by DisableAccount and EnableAccount.
   */
  'state'?: (_accounts_v1_Account_State);
  /**
   * Output only.
   */
  'createTime'?: (_google_protobuf_Timestamp | null);
  /**
   * Output only. Changes with name, email or state.
   */
  'updateTime'?: (_google_protobuf_Timestamp | null);
  /**
   * Output only. Changes whenever name, email, state or roles change; send it
   * back in UpdateAccount to fail with ABORTED instead of overwriting a newer
   * change.
   */
  'etag'?: (string);
  /**
   * Output only. The account's roles ("admin", "contacts.manager"), by name.
   */
  'roles'?: (string)[];
}

/**
 * A user account. It never carries the password or its hash.
 */
export interface Account__Output {
  /**
   * Output only. Server-assigned random UUID.
   */
  'id': (string);
  /**
   * Display name: 1 to 200 characters, trimmed.
   */
  'name': (string);
  /**
   * Email address, unique regardless of letter case; stored normalized.
   */
  'email': (string);
  /**
   * Output only. Changed only by DisableAccount and EnableAccount.
   */
  'state': (_accounts_v1_Account_State__Output);
  /**
   * Output only.
   */
  'createTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * Output only. Changes with name, email or state.
   */
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * Output only. Changes whenever name, email, state or roles change; send it
   * back in UpdateAccount to fail with ABORTED instead of overwriting a newer
   * change.
   */
  'etag': (string);
  /**
   * Output only. The account's roles ("admin", "contacts.manager"), by name.
   */
  'roles': (string)[];
}
