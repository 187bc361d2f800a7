// Original file: ../../protos/accounts/v1/accounts.proto


export interface RevokeSessionRequest {
  /**
   * Empty: the session the call is made with.
   */
  'sessionId'?: (string);
}

export interface RevokeSessionRequest__Output {
  /**
   * Empty: the session the call is made with.
   */
  'sessionId'?: (string);
}
