// Original file: ../../protos/accounts/v1/accounts.proto


export interface ChangePasswordRequest {
  'id'?: (string);
  /**
   * Input only.
   */
  'currentPassword'?: (string);
  /**
   * Input only. Same rules as CreateAccountRequest.password.
   */
  'newPassword'?: (string);
}

export interface ChangePasswordRequest__Output {
  'id': (string);
  /**
   * Input only.
   */
  'currentPassword': (string);
  /**
   * Input only. Same rules as CreateAccountRequest.password.
   */
  'newPassword': (string);
}
