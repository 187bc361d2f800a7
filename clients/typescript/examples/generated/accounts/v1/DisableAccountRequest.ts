// Original file: ../../protos/accounts/v1/accounts.proto


export interface DisableAccountRequest {
  'id'?: (string);
}

export interface DisableAccountRequest__Output {
  'id'?: (string);
}
