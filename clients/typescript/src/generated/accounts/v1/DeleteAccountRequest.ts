// Original file: ../../protos/accounts/v1/accounts.proto


export interface DeleteAccountRequest {
  'id'?: (string);
}

export interface DeleteAccountRequest__Output {
  'id': (string);
}
