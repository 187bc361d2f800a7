// Original file: ../../protos/accounts/v1/accounts.proto


export interface GrantRoleRequest {
  /**
   * The account to give the role to.
   */
  'accountId'?: (string);
  /**
   * A registered role's name; granting a role the account holds changes nothing.
   */
  'role'?: (string);
}

export interface GrantRoleRequest__Output {
  /**
   * The account to give the role to.
   */
  'accountId': (string);
  /**
   * A registered role's name; granting a role the account holds changes nothing.
   */
  'role': (string);
}
