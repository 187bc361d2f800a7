// Original file: ../../protos/accounts/v1/accounts.proto


export interface RevokeRoleRequest {
  /**
   * The account to take the role from.
   */
  'accountId'?: (string);
  /**
   * A role's name; revoking a role the account does not hold changes nothing.
   */
  'role'?: (string);
}

export interface RevokeRoleRequest__Output {
  /**
   * The account to take the role from.
   */
  'accountId'?: (string);
  /**
   * A role's name; revoking a role the account does not hold changes nothing.
   */
  'role'?: (string);
}
