// Original file: ../../protos/accounts/v1/accounts.proto


export interface RevokeAllSessionsRequest {
  'accountId'?: (string);
}

export interface RevokeAllSessionsRequest__Output {
  'accountId': (string);
}
