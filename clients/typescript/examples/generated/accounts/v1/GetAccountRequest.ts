// Original file: ../../protos/accounts/v1/accounts.proto


export interface GetAccountRequest {
  /**
   * The account's id (a UUID).
   */
  'id'?: (string);
}

export interface GetAccountRequest__Output {
  /**
   * The account's id (a UUID).
   */
  'id'?: (string);
}
