// Original file: ../../protos/accounts/v1/accounts.proto


export interface CreateAccountRequest {
  /**
   * Display name: 1 to 200 characters after trimming surrounding whitespace.
   */
  'name'?: (string);
  /**
   * Email address, at most 254 characters.
   */
  'email'?: (string);
  /**
   * Input only. 8 to 1024 characters; not a common password, not similar to
   * the name or email.
   */
  'password'?: (string);
  /**
   * Optional idempotency key (AIP-155): a UUID chosen by the client. A retry
   * with the same request_id and payload returns the account created first.
   */
  'requestId'?: (string);
}

export interface CreateAccountRequest__Output {
  /**
   * Display name: 1 to 200 characters after trimming surrounding whitespace.
   */
  'name'?: (string);
  /**
   * Email address, at most 254 characters.
   */
  'email'?: (string);
  /**
   * Input only. 8 to 1024 characters; not a common password, not similar to
   * the name or email.
   */
  'password'?: (string);
  /**
   * Optional idempotency key (AIP-155): a UUID chosen by the client. A retry
   * with the same request_id and payload returns the account created first.
   */
  'requestId'?: (string);
}
