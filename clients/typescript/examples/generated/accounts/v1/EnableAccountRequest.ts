// Original file: ../../protos/accounts/v1/accounts.proto


export interface EnableAccountRequest {
  'id'?: (string);
}

export interface EnableAccountRequest__Output {
  'id'?: (string);
}
