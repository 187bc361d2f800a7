// Original file: ../../protos/accounts/v1/accounts.proto

import type { Account as _accounts_v1_Account, Account__Output as _accounts_v1_Account__Output } from '../../accounts/v1/Account';
import type { Session as _accounts_v1_Session, Session__Output as _accounts_v1_Session__Output } from '../../accounts/v1/Session';

export interface AuthenticateResponse {
  'account'?: (_accounts_v1_Account | null);
  /**
   * Send as `authorization: Bearer <session_token>` metadata. Shown only here.
   */
  'sessionToken'?: (string);
  'session'?: (_accounts_v1_Session | null);
}

export interface AuthenticateResponse__Output {
  'account': (_accounts_v1_Account__Output | null);
  /**
   * Send as `authorization: Bearer <session_token>` metadata. Shown only here.
   */
  'sessionToken': (string);
  'session': (_accounts_v1_Session__Output | null);
}
