// Original file: ../../protos/accounts/v1/accounts.proto

import type { _accounts_v1_Account_State, _accounts_v1_Account_State__Output } from '../../accounts/v1/Account';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

/**
 * The created account: the fields of Account under the same numbers.
 */
export interface CreateAccountResponse {
  'id'?: (string);
  'name'?: (string);
  'email'?: (string);
  'state'?: (_accounts_v1_Account_State);
  'createTime'?: (_google_protobuf_Timestamp | null);
  'updateTime'?: (_google_protobuf_Timestamp | null);
  'etag'?: (string);
  'roles'?: (string)[];
}

/**
 * The created account: the fields of Account under the same numbers.
 */
export interface CreateAccountResponse__Output {
  'id'?: (string);
  'name'?: (string);
  'email'?: (string);
  'state'?: (_accounts_v1_Account_State__Output);
  'createTime'?: (_google_protobuf_Timestamp__Output);
  'updateTime'?: (_google_protobuf_Timestamp__Output);
  'etag'?: (string);
  'roles'?: (string)[];
}
