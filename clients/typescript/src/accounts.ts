// accounts.v1.AccountsService.
import { ServiceClient, type CallOptions, type Connection } from './call';
import type { Account__Output as Account } from './generated/accounts/v1/Account';
import type { AuthenticateRequest } from './generated/accounts/v1/AuthenticateRequest';
import type { AuthenticateResponse__Output as AuthenticateResponse } from './generated/accounts/v1/AuthenticateResponse';
import type { ChangePasswordRequest } from './generated/accounts/v1/ChangePasswordRequest';
import type { CreateAccountRequest } from './generated/accounts/v1/CreateAccountRequest';
import type { CreateAccountResponse__Output as CreateAccountResponse } from './generated/accounts/v1/CreateAccountResponse';
import type { DeleteAccountRequest } from './generated/accounts/v1/DeleteAccountRequest';
import type { DisableAccountRequest } from './generated/accounts/v1/DisableAccountRequest';
import type { EnableAccountRequest } from './generated/accounts/v1/EnableAccountRequest';
import type { GetAccountRequest } from './generated/accounts/v1/GetAccountRequest';
import type { GrantRoleRequest } from './generated/accounts/v1/GrantRoleRequest';
import type { ListAccountsRequest } from './generated/accounts/v1/ListAccountsRequest';
import type { ListAccountsResponse__Output as ListAccountsResponse } from './generated/accounts/v1/ListAccountsResponse';
import type { ListSessionsRequest } from './generated/accounts/v1/ListSessionsRequest';
import type { ListSessionsResponse__Output as ListSessionsResponse } from './generated/accounts/v1/ListSessionsResponse';
import type { RevokeAllSessionsRequest } from './generated/accounts/v1/RevokeAllSessionsRequest';
import type { RevokeRoleRequest } from './generated/accounts/v1/RevokeRoleRequest';
import type { RevokeSessionRequest } from './generated/accounts/v1/RevokeSessionRequest';
import type { UpdateAccountRequest } from './generated/accounts/v1/UpdateAccountRequest';
import type { Empty__Output as Empty } from './generated/google/protobuf/Empty';

/** accounts.v1.AccountsService: accounts, sessions and roles. */
export class AccountsClient extends ServiceClient {
  /** @internal Made by CrmClient. */
  constructor(connection: Connection) {
    super(connection, 'accounts.v1.AccountsService');
  }

  createAccount(request: CreateAccountRequest, options?: CallOptions): Promise<CreateAccountResponse> {
    return this.unary('CreateAccount', request, options);
  }

  getAccount(request: GetAccountRequest, options?: CallOptions): Promise<Account> {
    return this.unary('GetAccount', request, options);
  }

  listAccounts(request: ListAccountsRequest = {}, options?: CallOptions): Promise<ListAccountsResponse> {
    return this.unary('ListAccounts', request, options);
  }

  /** Every account matching the request, page after page. */
  listAllAccounts(request: Omit<ListAccountsRequest, 'pageToken'> = {}, options?: CallOptions): AsyncGenerator<Account> {
    return this.pages(this.listAccounts, (page) => page.accounts, request, options);
  }

  updateAccount(request: UpdateAccountRequest, options?: CallOptions): Promise<Account> {
    return this.unary('UpdateAccount', request, options);
  }

  deleteAccount(request: DeleteAccountRequest, options?: CallOptions): Promise<Empty> {
    return this.unary('DeleteAccount', request, options);
  }

  disableAccount(request: DisableAccountRequest, options?: CallOptions): Promise<Account> {
    return this.unary('DisableAccount', request, options);
  }

  enableAccount(request: EnableAccountRequest, options?: CallOptions): Promise<Account> {
    return this.unary('EnableAccount', request, options);
  }

  changePassword(request: ChangePasswordRequest, options?: CallOptions): Promise<Empty> {
    return this.unary('ChangePassword', request, options);
  }

  /** Logs in; returns the session token without keeping it (CrmClient.login keeps it). */
  authenticate(request: AuthenticateRequest, options?: CallOptions): Promise<AuthenticateResponse> {
    return this.unary('Authenticate', request, options);
  }

  /** Ends one session; without a sessionId, the caller's own (a logout). */
  revokeSession(request: RevokeSessionRequest = {}, options?: CallOptions): Promise<Empty> {
    return this.unary('RevokeSession', request, options);
  }

  listSessions(request: ListSessionsRequest, options?: CallOptions): Promise<ListSessionsResponse> {
    return this.unary('ListSessions', request, options);
  }

  revokeAllSessions(request: RevokeAllSessionsRequest, options?: CallOptions): Promise<Empty> {
    return this.unary('RevokeAllSessions', request, options);
  }

  grantRole(request: GrantRoleRequest, options?: CallOptions): Promise<Account> {
    return this.unary('GrantRole', request, options);
  }

  revokeRole(request: RevokeRoleRequest, options?: CallOptions): Promise<Account> {
    return this.unary('RevokeRole', request, options);
  }
}
