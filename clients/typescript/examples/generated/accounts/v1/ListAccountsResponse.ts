// Original file: ../../protos/accounts/v1/accounts.proto

import type { Account as _accounts_v1_Account, Account__Output as _accounts_v1_Account__Output } from '../../accounts/v1/Account';

export interface ListAccountsResponse {
  'accounts'?: (_accounts_v1_Account)[];
  /**
   * Empty on the last page.
   */
  'nextPageToken'?: (string);
}

export interface ListAccountsResponse__Output {
  'accounts'?: (_accounts_v1_Account__Output)[];
  /**
   * Empty on the last page.
   */
  'nextPageToken'?: (string);
}
