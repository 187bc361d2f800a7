// Original file: ../../protos/accounts/v1/accounts.proto

import type { Session as _accounts_v1_Session, Session__Output as _accounts_v1_Session__Output } from '../../accounts/v1/Session';

export interface ListSessionsResponse {
  'sessions'?: (_accounts_v1_Session)[];
}

export interface ListSessionsResponse__Output {
  'sessions'?: (_accounts_v1_Session__Output)[];
}
