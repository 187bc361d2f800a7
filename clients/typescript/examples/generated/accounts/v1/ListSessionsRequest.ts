// Original file: ../../protos/accounts/v1/accounts.proto


export interface ListSessionsRequest {
  'accountId'?: (string);
}

export interface ListSessionsRequest__Output {
  'accountId'?: (string);
}
