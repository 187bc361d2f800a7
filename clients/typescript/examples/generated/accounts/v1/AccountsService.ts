// Original file: ../../protos/accounts/v1/accounts.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Account as _accounts_v1_Account, Account__Output as _accounts_v1_Account__Output } from '../../accounts/v1/Account';
import type { AuthenticateRequest as _accounts_v1_AuthenticateRequest, AuthenticateRequest__Output as _accounts_v1_AuthenticateRequest__Output } from '../../accounts/v1/AuthenticateRequest';
import type { AuthenticateResponse as _accounts_v1_AuthenticateResponse, AuthenticateResponse__Output as _accounts_v1_AuthenticateResponse__Output } from '../../accounts/v1/AuthenticateResponse';
import type { ChangePasswordRequest as _accounts_v1_ChangePasswordRequest, ChangePasswordRequest__Output as _accounts_v1_ChangePasswordRequest__Output } from '../../accounts/v1/ChangePasswordRequest';
import type { CreateAccountRequest as _accounts_v1_CreateAccountRequest, CreateAccountRequest__Output as _accounts_v1_CreateAccountRequest__Output } from '../../accounts/v1/CreateAccountRequest';
import type { CreateAccountResponse as _accounts_v1_CreateAccountResponse, CreateAccountResponse__Output as _accounts_v1_CreateAccountResponse__Output } from '../../accounts/v1/CreateAccountResponse';
import type { DeleteAccountRequest as _accounts_v1_DeleteAccountRequest, DeleteAccountRequest__Output as _accounts_v1_DeleteAccountRequest__Output } from '../../accounts/v1/DeleteAccountRequest';
import type { DisableAccountRequest as _accounts_v1_DisableAccountRequest, DisableAccountRequest__Output as _accounts_v1_DisableAccountRequest__Output } from '../../accounts/v1/DisableAccountRequest';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../google/protobuf/Empty';
import type { EnableAccountRequest as _accounts_v1_EnableAccountRequest, EnableAccountRequest__Output as _accounts_v1_EnableAccountRequest__Output } from '../../accounts/v1/EnableAccountRequest';
import type { GetAccountRequest as _accounts_v1_GetAccountRequest, GetAccountRequest__Output as _accounts_v1_GetAccountRequest__Output } from '../../accounts/v1/GetAccountRequest';
import type { GrantRoleRequest as _accounts_v1_GrantRoleRequest, GrantRoleRequest__Output as _accounts_v1_GrantRoleRequest__Output } from '../../accounts/v1/GrantRoleRequest';
import type { ListAccountsRequest as _accounts_v1_ListAccountsRequest, ListAccountsRequest__Output as _accounts_v1_ListAccountsRequest__Output } from '../../accounts/v1/ListAccountsRequest';
import type { ListAccountsResponse as _accounts_v1_ListAccountsResponse, ListAccountsResponse__Output as _accounts_v1_ListAccountsResponse__Output } from '../../accounts/v1/ListAccountsResponse';
import type { ListSessionsRequest as _accounts_v1_ListSessionsRequest, ListSessionsRequest__Output as _accounts_v1_ListSessionsRequest__Output } from '../../accounts/v1/ListSessionsRequest';
import type { ListSessionsResponse as _accounts_v1_ListSessionsResponse, ListSessionsResponse__Output as _accounts_v1_ListSessionsResponse__Output } from '../../accounts/v1/ListSessionsResponse';
import type { RevokeAllSessionsRequest as _accounts_v1_RevokeAllSessionsRequest, RevokeAllSessionsRequest__Output as _accounts_v1_RevokeAllSessionsRequest__Output } from '../../accounts/v1/RevokeAllSessionsRequest';
import type { RevokeRoleRequest as _accounts_v1_RevokeRoleRequest, RevokeRoleRequest__Output as _accounts_v1_RevokeRoleRequest__Output } from '../../accounts/v1/RevokeRoleRequest';
import type { RevokeSessionRequest as _accounts_v1_RevokeSessionRequest, RevokeSessionRequest__Output as _accounts_v1_RevokeSessionRequest__Output } from '../../accounts/v1/RevokeSessionRequest';
import type { UpdateAccountRequest as _accounts_v1_UpdateAccountRequest, UpdateAccountRequest__Output as _accounts_v1_UpdateAccountRequest__Output } from '../../accounts/v1/UpdateAccountRequest';

/**
 * Manages the user accounts of a CRM installation.
 * 
 * Errors carry a google.rpc.ErrorInfo (and, for invalid input, a
 * google.rpc.BadRequest) in the grpc-status-details-bin trailer; the reasons
 * are listed in docs/errors.md.
 */
export interface AccountsServiceClient extends grpc.Client {
  /**
   * Checks an email address and password and opens a session. Every failure
   * (unknown email, wrong password, disabled account) is the same
   * UNAUTHENTICATED answer.
   */
  Authenticate(argument: _accounts_v1_AuthenticateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  Authenticate(argument: _accounts_v1_AuthenticateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  Authenticate(argument: _accounts_v1_AuthenticateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  Authenticate(argument: _accounts_v1_AuthenticateRequest, callback: grpc.requestCallback<_accounts_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Checks an email address and password and opens a session. Every failure
   * (unknown email, wrong password, disabled account) is the same
   * UNAUTHENTICATED answer.
   */
  authenticate(argument: _accounts_v1_AuthenticateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  authenticate(argument: _accounts_v1_AuthenticateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  authenticate(argument: _accounts_v1_AuthenticateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  authenticate(argument: _accounts_v1_AuthenticateRequest, callback: grpc.requestCallback<_accounts_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Replaces the password after checking the current one, and ends the
   * account's other sessions.
   */
  ChangePassword(argument: _accounts_v1_ChangePasswordRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  ChangePassword(argument: _accounts_v1_ChangePasswordRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  ChangePassword(argument: _accounts_v1_ChangePasswordRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  ChangePassword(argument: _accounts_v1_ChangePasswordRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  /**
   * Replaces the password after checking the current one, and ends the
   * account's other sessions.
   */
  changePassword(argument: _accounts_v1_ChangePasswordRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  changePassword(argument: _accounts_v1_ChangePasswordRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  changePassword(argument: _accounts_v1_ChangePasswordRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  changePassword(argument: _accounts_v1_ChangePasswordRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  /**
   * Creates an account. The password is hashed with argon2id and never
   * returned. Retrying with the same request_id returns the original account.
   */
  CreateAccount(argument: _accounts_v1_CreateAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_CreateAccountResponse__Output>): grpc.ClientUnaryCall;
  CreateAccount(argument: _accounts_v1_CreateAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_CreateAccountResponse__Output>): grpc.ClientUnaryCall;
  CreateAccount(argument: _accounts_v1_CreateAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_CreateAccountResponse__Output>): grpc.ClientUnaryCall;
  CreateAccount(argument: _accounts_v1_CreateAccountRequest, callback: grpc.requestCallback<_accounts_v1_CreateAccountResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Creates an account. The password is hashed with argon2id and never
   * returned. Retrying with the same request_id returns the original account.
   */
  createAccount(argument: _accounts_v1_CreateAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_CreateAccountResponse__Output>): grpc.ClientUnaryCall;
  createAccount(argument: _accounts_v1_CreateAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_CreateAccountResponse__Output>): grpc.ClientUnaryCall;
  createAccount(argument: _accounts_v1_CreateAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_CreateAccountResponse__Output>): grpc.ClientUnaryCall;
  createAccount(argument: _accounts_v1_CreateAccountRequest, callback: grpc.requestCallback<_accounts_v1_CreateAccountResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Deletes an account for good; its email address can be registered again.
   */
  DeleteAccount(argument: _accounts_v1_DeleteAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAccount(argument: _accounts_v1_DeleteAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAccount(argument: _accounts_v1_DeleteAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAccount(argument: _accounts_v1_DeleteAccountRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  /**
   * Deletes an account for good; its email address can be registered again.
   */
  deleteAccount(argument: _accounts_v1_DeleteAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAccount(argument: _accounts_v1_DeleteAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAccount(argument: _accounts_v1_DeleteAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAccount(argument: _accounts_v1_DeleteAccountRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  /**
   * Marks an account DISABLED (AIP-136). Disabling a disabled account is a no-op.
   */
  DisableAccount(argument: _accounts_v1_DisableAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  DisableAccount(argument: _accounts_v1_DisableAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  DisableAccount(argument: _accounts_v1_DisableAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  DisableAccount(argument: _accounts_v1_DisableAccountRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  /**
   * Marks an account DISABLED (AIP-136). Disabling a disabled account is a no-op.
   */
  disableAccount(argument: _accounts_v1_DisableAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  disableAccount(argument: _accounts_v1_DisableAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  disableAccount(argument: _accounts_v1_DisableAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  disableAccount(argument: _accounts_v1_DisableAccountRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  
  /**
   * Marks an account ACTIVE again. Enabling an active account is a no-op.
   */
  EnableAccount(argument: _accounts_v1_EnableAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  EnableAccount(argument: _accounts_v1_EnableAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  EnableAccount(argument: _accounts_v1_EnableAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  EnableAccount(argument: _accounts_v1_EnableAccountRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  /**
   * Marks an account ACTIVE again. Enabling an active account is a no-op.
   */
  enableAccount(argument: _accounts_v1_EnableAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  enableAccount(argument: _accounts_v1_EnableAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  enableAccount(argument: _accounts_v1_EnableAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  enableAccount(argument: _accounts_v1_EnableAccountRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  
  /**
   * Returns one account.
   */
  GetAccount(argument: _accounts_v1_GetAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  GetAccount(argument: _accounts_v1_GetAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  GetAccount(argument: _accounts_v1_GetAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  GetAccount(argument: _accounts_v1_GetAccountRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  /**
   * Returns one account.
   */
  getAccount(argument: _accounts_v1_GetAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  getAccount(argument: _accounts_v1_GetAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  getAccount(argument: _accounts_v1_GetAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  getAccount(argument: _accounts_v1_GetAccountRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  
  /**
   * Admin only: give the account a role, one that a loaded plugin registered
   * (crm.host.v1.HostService/ListRoles lists them). The account's next call,
   * with any of its sessions, carries the role.
   */
  GrantRole(argument: _accounts_v1_GrantRoleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  GrantRole(argument: _accounts_v1_GrantRoleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  GrantRole(argument: _accounts_v1_GrantRoleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  GrantRole(argument: _accounts_v1_GrantRoleRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  /**
   * Admin only: give the account a role, one that a loaded plugin registered
   * (crm.host.v1.HostService/ListRoles lists them). The account's next call,
   * with any of its sessions, carries the role.
   */
  grantRole(argument: _accounts_v1_GrantRoleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  grantRole(argument: _accounts_v1_GrantRoleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  grantRole(argument: _accounts_v1_GrantRoleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  grantRole(argument: _accounts_v1_GrantRoleRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  
  /**
   * Lists accounts a page at a time (AIP-158), optionally filtered (AIP-160).
   */
  ListAccounts(argument: _accounts_v1_ListAccountsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  ListAccounts(argument: _accounts_v1_ListAccountsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  ListAccounts(argument: _accounts_v1_ListAccountsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  ListAccounts(argument: _accounts_v1_ListAccountsRequest, callback: grpc.requestCallback<_accounts_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Lists accounts a page at a time (AIP-158), optionally filtered (AIP-160).
   */
  listAccounts(argument: _accounts_v1_ListAccountsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  listAccounts(argument: _accounts_v1_ListAccountsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  listAccounts(argument: _accounts_v1_ListAccountsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  listAccounts(argument: _accounts_v1_ListAccountsRequest, callback: grpc.requestCallback<_accounts_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Lists an account's open sessions (never their tokens).
   */
  ListSessions(argument: _accounts_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _accounts_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _accounts_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _accounts_v1_ListSessionsRequest, callback: grpc.requestCallback<_accounts_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Lists an account's open sessions (never their tokens).
   */
  listSessions(argument: _accounts_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _accounts_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _accounts_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _accounts_v1_ListSessionsRequest, callback: grpc.requestCallback<_accounts_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Ends every session of an account.
   */
  RevokeAllSessions(argument: _accounts_v1_RevokeAllSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  RevokeAllSessions(argument: _accounts_v1_RevokeAllSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  RevokeAllSessions(argument: _accounts_v1_RevokeAllSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  RevokeAllSessions(argument: _accounts_v1_RevokeAllSessionsRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  /**
   * Ends every session of an account.
   */
  revokeAllSessions(argument: _accounts_v1_RevokeAllSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  revokeAllSessions(argument: _accounts_v1_RevokeAllSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  revokeAllSessions(argument: _accounts_v1_RevokeAllSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  revokeAllSessions(argument: _accounts_v1_RevokeAllSessionsRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  /**
   * Admin only: take a role away from the account.
   */
  RevokeRole(argument: _accounts_v1_RevokeRoleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  RevokeRole(argument: _accounts_v1_RevokeRoleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  RevokeRole(argument: _accounts_v1_RevokeRoleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  RevokeRole(argument: _accounts_v1_RevokeRoleRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  /**
   * Admin only: take a role away from the account.
   */
  revokeRole(argument: _accounts_v1_RevokeRoleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  revokeRole(argument: _accounts_v1_RevokeRoleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  revokeRole(argument: _accounts_v1_RevokeRoleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  revokeRole(argument: _accounts_v1_RevokeRoleRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  
  /**
   * Ends one session (logout); an empty session_id ends the caller's own.
   */
  RevokeSession(argument: _accounts_v1_RevokeSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  RevokeSession(argument: _accounts_v1_RevokeSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  RevokeSession(argument: _accounts_v1_RevokeSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  RevokeSession(argument: _accounts_v1_RevokeSessionRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  /**
   * Ends one session (logout); an empty session_id ends the caller's own.
   */
  revokeSession(argument: _accounts_v1_RevokeSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  revokeSession(argument: _accounts_v1_RevokeSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  revokeSession(argument: _accounts_v1_RevokeSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  revokeSession(argument: _accounts_v1_RevokeSessionRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  /**
   * Changes an account's name or email (AIP-134).
   */
  UpdateAccount(argument: _accounts_v1_UpdateAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  UpdateAccount(argument: _accounts_v1_UpdateAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  UpdateAccount(argument: _accounts_v1_UpdateAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  UpdateAccount(argument: _accounts_v1_UpdateAccountRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  /**
   * Changes an account's name or email (AIP-134).
   */
  updateAccount(argument: _accounts_v1_UpdateAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  updateAccount(argument: _accounts_v1_UpdateAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  updateAccount(argument: _accounts_v1_UpdateAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  updateAccount(argument: _accounts_v1_UpdateAccountRequest, callback: grpc.requestCallback<_accounts_v1_Account__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Manages the user accounts of a CRM installation.
 * 
 * Errors carry a google.rpc.ErrorInfo (and, for invalid input, a
 * google.rpc.BadRequest) in the grpc-status-details-bin trailer; the reasons
 * are listed in docs/errors.md.
 */
export interface AccountsServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Checks an email address and password and opens a session. Every failure
   * (unknown email, wrong password, disabled account) is the same
   * UNAUTHENTICATED answer.
   */
  Authenticate: grpc.handleUnaryCall<_accounts_v1_AuthenticateRequest__Output, _accounts_v1_AuthenticateResponse>;
  
  /**
   * Replaces the password after checking the current one, and ends the
   * account's other sessions.
   */
  ChangePassword: grpc.handleUnaryCall<_accounts_v1_ChangePasswordRequest__Output, _google_protobuf_Empty>;
  
  /**
   * Creates an account. The password is hashed with argon2id and never
   * returned. Retrying with the same request_id returns the original account.
   */
  CreateAccount: grpc.handleUnaryCall<_accounts_v1_CreateAccountRequest__Output, _accounts_v1_CreateAccountResponse>;
  
  /**
   * Deletes an account for good; its email address can be registered again.
   */
  DeleteAccount: grpc.handleUnaryCall<_accounts_v1_DeleteAccountRequest__Output, _google_protobuf_Empty>;
  
  /**
   * Marks an account DISABLED (AIP-136). Disabling a disabled account is a no-op.
   */
  DisableAccount: grpc.handleUnaryCall<_accounts_v1_DisableAccountRequest__Output, _accounts_v1_Account>;
  
  /**
   * Marks an account ACTIVE again. Enabling an active account is a no-op.
   */
  EnableAccount: grpc.handleUnaryCall<_accounts_v1_EnableAccountRequest__Output, _accounts_v1_Account>;
  
  /**
   * Returns one account.
   */
  GetAccount: grpc.handleUnaryCall<_accounts_v1_GetAccountRequest__Output, _accounts_v1_Account>;
  
  /**
   * Admin only: give the account a role, one that a loaded plugin registered
   * (crm.host.v1.HostService/ListRoles lists them). The account's next call,
   * with any of its sessions, carries the role.
   */
  GrantRole: grpc.handleUnaryCall<_accounts_v1_GrantRoleRequest__Output, _accounts_v1_Account>;
  
  /**
   * Lists accounts a page at a time (AIP-158), optionally filtered (AIP-160).
   */
  ListAccounts: grpc.handleUnaryCall<_accounts_v1_ListAccountsRequest__Output, _accounts_v1_ListAccountsResponse>;
  
  /**
   * Lists an account's open sessions (never their tokens).
   */
  ListSessions: grpc.handleUnaryCall<_accounts_v1_ListSessionsRequest__Output, _accounts_v1_ListSessionsResponse>;
  
  /**
   * Ends every session of an account.
   */
  RevokeAllSessions: grpc.handleUnaryCall<_accounts_v1_RevokeAllSessionsRequest__Output, _google_protobuf_Empty>;
  
  /**
   * Admin only: take a role away from the account.
   */
  RevokeRole: grpc.handleUnaryCall<_accounts_v1_RevokeRoleRequest__Output, _accounts_v1_Account>;
  
  /**
   * Ends one session (logout); an empty session_id ends the caller's own.
   */
  RevokeSession: grpc.handleUnaryCall<_accounts_v1_RevokeSessionRequest__Output, _google_protobuf_Empty>;
  
  /**
   * Changes an account's name or email (AIP-134).
   */
  UpdateAccount: grpc.handleUnaryCall<_accounts_v1_UpdateAccountRequest__Output, _accounts_v1_Account>;
  
}

export interface AccountsServiceDefinition extends grpc.ServiceDefinition {
  Authenticate: MethodDefinition<_accounts_v1_AuthenticateRequest, _accounts_v1_AuthenticateResponse, _accounts_v1_AuthenticateRequest__Output, _accounts_v1_AuthenticateResponse__Output>
  ChangePassword: MethodDefinition<_accounts_v1_ChangePasswordRequest, _google_protobuf_Empty, _accounts_v1_ChangePasswordRequest__Output, _google_protobuf_Empty__Output>
  CreateAccount: MethodDefinition<_accounts_v1_CreateAccountRequest, _accounts_v1_CreateAccountResponse, _accounts_v1_CreateAccountRequest__Output, _accounts_v1_CreateAccountResponse__Output>
  DeleteAccount: MethodDefinition<_accounts_v1_DeleteAccountRequest, _google_protobuf_Empty, _accounts_v1_DeleteAccountRequest__Output, _google_protobuf_Empty__Output>
  DisableAccount: MethodDefinition<_accounts_v1_DisableAccountRequest, _accounts_v1_Account, _accounts_v1_DisableAccountRequest__Output, _accounts_v1_Account__Output>
  EnableAccount: MethodDefinition<_accounts_v1_EnableAccountRequest, _accounts_v1_Account, _accounts_v1_EnableAccountRequest__Output, _accounts_v1_Account__Output>
  GetAccount: MethodDefinition<_accounts_v1_GetAccountRequest, _accounts_v1_Account, _accounts_v1_GetAccountRequest__Output, _accounts_v1_Account__Output>
  GrantRole: MethodDefinition<_accounts_v1_GrantRoleRequest, _accounts_v1_Account, _accounts_v1_GrantRoleRequest__Output, _accounts_v1_Account__Output>
  ListAccounts: MethodDefinition<_accounts_v1_ListAccountsRequest, _accounts_v1_ListAccountsResponse, _accounts_v1_ListAccountsRequest__Output, _accounts_v1_ListAccountsResponse__Output>
  ListSessions: MethodDefinition<_accounts_v1_ListSessionsRequest, _accounts_v1_ListSessionsResponse, _accounts_v1_ListSessionsRequest__Output, _accounts_v1_ListSessionsResponse__Output>
  RevokeAllSessions: MethodDefinition<_accounts_v1_RevokeAllSessionsRequest, _google_protobuf_Empty, _accounts_v1_RevokeAllSessionsRequest__Output, _google_protobuf_Empty__Output>
  RevokeRole: MethodDefinition<_accounts_v1_RevokeRoleRequest, _accounts_v1_Account, _accounts_v1_RevokeRoleRequest__Output, _accounts_v1_Account__Output>
  RevokeSession: MethodDefinition<_accounts_v1_RevokeSessionRequest, _google_protobuf_Empty, _accounts_v1_RevokeSessionRequest__Output, _google_protobuf_Empty__Output>
  UpdateAccount: MethodDefinition<_accounts_v1_UpdateAccountRequest, _accounts_v1_Account, _accounts_v1_UpdateAccountRequest__Output, _accounts_v1_Account__Output>
}
