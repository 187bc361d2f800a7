// Original file: ../../protos/accounts/v1/accounts.proto

import type { Account as _accounts_v1_Account, Account__Output as _accounts_v1_Account__Output } from '../../accounts/v1/Account';
import type { FieldMask as _google_protobuf_FieldMask, FieldMask__Output as _google_protobuf_FieldMask__Output } from '../../google/protobuf/FieldMask';

export interface UpdateAccountRequest {
  /**
   * The account to change, identified by id. Set etag to make the update
   * conditional on the account being unchanged.
   */
  'account'?: (_accounts_v1_Account | null);
  /**
   * Fields to change: `name`, `email`, or `*` for both. Empty means every
   * updatable field that is set in `account`.
   */
  'updateMask'?: (_google_protobuf_FieldMask | null);
}

export interface UpdateAccountRequest__Output {
  /**
   * The account to change, identified by id. Set etag to make the update
   * conditional on the account being unchanged.
   */
  'account'?: (_accounts_v1_Account__Output);
  /**
   * Fields to change: `name`, `email`, or `*` for both. Empty means every
   * updatable field that is set in `account`.
   */
  'updateMask'?: (_google_protobuf_FieldMask__Output);
}
