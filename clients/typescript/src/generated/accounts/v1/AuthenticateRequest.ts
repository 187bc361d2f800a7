// Original file: ../../protos/accounts/v1/accounts.proto


export interface AuthenticateRequest {
  'email'?: (string);
  /**
   * Input only.
   */
  'password'?: (string);
}

export interface AuthenticateRequest__Output {
  'email': (string);
  /**
   * Input only.
   */
  'password': (string);
}
