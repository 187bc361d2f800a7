import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Account as _accounts_v1_Account, Account__Output as _accounts_v1_Account__Output } from './accounts/v1/Account';
import type { AccountsServiceClient as _accounts_v1_AccountsServiceClient, AccountsServiceDefinition as _accounts_v1_AccountsServiceDefinition } from './accounts/v1/AccountsService';
import type { AuthenticateRequest as _accounts_v1_AuthenticateRequest, AuthenticateRequest__Output as _accounts_v1_AuthenticateRequest__Output } from './accounts/v1/AuthenticateRequest';
import type { AuthenticateResponse as _accounts_v1_AuthenticateResponse, AuthenticateResponse__Output as _accounts_v1_AuthenticateResponse__Output } from './accounts/v1/AuthenticateResponse';
import type { ChangePasswordRequest as _accounts_v1_ChangePasswordRequest, ChangePasswordRequest__Output as _accounts_v1_ChangePasswordRequest__Output } from './accounts/v1/ChangePasswordRequest';
import type { CreateAccountRequest as _accounts_v1_CreateAccountRequest, CreateAccountRequest__Output as _accounts_v1_CreateAccountRequest__Output } from './accounts/v1/CreateAccountRequest';
import type { CreateAccountResponse as _accounts_v1_CreateAccountResponse, CreateAccountResponse__Output as _accounts_v1_CreateAccountResponse__Output } from './accounts/v1/CreateAccountResponse';
import type { DeleteAccountRequest as _accounts_v1_DeleteAccountRequest, DeleteAccountRequest__Output as _accounts_v1_DeleteAccountRequest__Output } from './accounts/v1/DeleteAccountRequest';
import type { DisableAccountRequest as _accounts_v1_DisableAccountRequest, DisableAccountRequest__Output as _accounts_v1_DisableAccountRequest__Output } from './accounts/v1/DisableAccountRequest';
import type { EnableAccountRequest as _accounts_v1_EnableAccountRequest, EnableAccountRequest__Output as _accounts_v1_EnableAccountRequest__Output } from './accounts/v1/EnableAccountRequest';
import type { GetAccountRequest as _accounts_v1_GetAccountRequest, GetAccountRequest__Output as _accounts_v1_GetAccountRequest__Output } from './accounts/v1/GetAccountRequest';
import type { GrantRoleRequest as _accounts_v1_GrantRoleRequest, GrantRoleRequest__Output as _accounts_v1_GrantRoleRequest__Output } from './accounts/v1/GrantRoleRequest';
import type { ListAccountsRequest as _accounts_v1_ListAccountsRequest, ListAccountsRequest__Output as _accounts_v1_ListAccountsRequest__Output } from './accounts/v1/ListAccountsRequest';
import type { ListAccountsResponse as _accounts_v1_ListAccountsResponse, ListAccountsResponse__Output as _accounts_v1_ListAccountsResponse__Output } from './accounts/v1/ListAccountsResponse';
import type { ListSessionsRequest as _accounts_v1_ListSessionsRequest, ListSessionsRequest__Output as _accounts_v1_ListSessionsRequest__Output } from './accounts/v1/ListSessionsRequest';
import type { ListSessionsResponse as _accounts_v1_ListSessionsResponse, ListSessionsResponse__Output as _accounts_v1_ListSessionsResponse__Output } from './accounts/v1/ListSessionsResponse';
import type { RevokeAllSessionsRequest as _accounts_v1_RevokeAllSessionsRequest, RevokeAllSessionsRequest__Output as _accounts_v1_RevokeAllSessionsRequest__Output } from './accounts/v1/RevokeAllSessionsRequest';
import type { RevokeRoleRequest as _accounts_v1_RevokeRoleRequest, RevokeRoleRequest__Output as _accounts_v1_RevokeRoleRequest__Output } from './accounts/v1/RevokeRoleRequest';
import type { RevokeSessionRequest as _accounts_v1_RevokeSessionRequest, RevokeSessionRequest__Output as _accounts_v1_RevokeSessionRequest__Output } from './accounts/v1/RevokeSessionRequest';
import type { Session as _accounts_v1_Session, Session__Output as _accounts_v1_Session__Output } from './accounts/v1/Session';
import type { UpdateAccountRequest as _accounts_v1_UpdateAccountRequest, UpdateAccountRequest__Output as _accounts_v1_UpdateAccountRequest__Output } from './accounts/v1/UpdateAccountRequest';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from './google/protobuf/Empty';
import type { FieldMask as _google_protobuf_FieldMask, FieldMask__Output as _google_protobuf_FieldMask__Output } from './google/protobuf/FieldMask';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  accounts: {
    v1: {
      Account: MessageTypeDefinition<_accounts_v1_Account, _accounts_v1_Account__Output>
      /**
       * Manages the user accounts of a CRM installation.
       * 
       * Errors carry a google.rpc.ErrorInfo (and, for invalid input, a
       * google.rpc.BadRequest) in the grpc-status-details-bin trailer; the reasons
       * are listed in docs/errors.md.
       */
      AccountsService: SubtypeConstructor<typeof grpc.Client, _accounts_v1_AccountsServiceClient> & { service: _accounts_v1_AccountsServiceDefinition }
      AuthenticateRequest: MessageTypeDefinition<_accounts_v1_AuthenticateRequest, _accounts_v1_AuthenticateRequest__Output>
      AuthenticateResponse: MessageTypeDefinition<_accounts_v1_AuthenticateResponse, _accounts_v1_AuthenticateResponse__Output>
      ChangePasswordRequest: MessageTypeDefinition<_accounts_v1_ChangePasswordRequest, _accounts_v1_ChangePasswordRequest__Output>
      CreateAccountRequest: MessageTypeDefinition<_accounts_v1_CreateAccountRequest, _accounts_v1_CreateAccountRequest__Output>
      CreateAccountResponse: MessageTypeDefinition<_accounts_v1_CreateAccountResponse, _accounts_v1_CreateAccountResponse__Output>
      DeleteAccountRequest: MessageTypeDefinition<_accounts_v1_DeleteAccountRequest, _accounts_v1_DeleteAccountRequest__Output>
      DisableAccountRequest: MessageTypeDefinition<_accounts_v1_DisableAccountRequest, _accounts_v1_DisableAccountRequest__Output>
      EnableAccountRequest: MessageTypeDefinition<_accounts_v1_EnableAccountRequest, _accounts_v1_EnableAccountRequest__Output>
      GetAccountRequest: MessageTypeDefinition<_accounts_v1_GetAccountRequest, _accounts_v1_GetAccountRequest__Output>
      GrantRoleRequest: MessageTypeDefinition<_accounts_v1_GrantRoleRequest, _accounts_v1_GrantRoleRequest__Output>
      ListAccountsRequest: MessageTypeDefinition<_accounts_v1_ListAccountsRequest, _accounts_v1_ListAccountsRequest__Output>
      ListAccountsResponse: MessageTypeDefinition<_accounts_v1_ListAccountsResponse, _accounts_v1_ListAccountsResponse__Output>
      ListSessionsRequest: MessageTypeDefinition<_accounts_v1_ListSessionsRequest, _accounts_v1_ListSessionsRequest__Output>
      ListSessionsResponse: MessageTypeDefinition<_accounts_v1_ListSessionsResponse, _accounts_v1_ListSessionsResponse__Output>
      RevokeAllSessionsRequest: MessageTypeDefinition<_accounts_v1_RevokeAllSessionsRequest, _accounts_v1_RevokeAllSessionsRequest__Output>
      RevokeRoleRequest: MessageTypeDefinition<_accounts_v1_RevokeRoleRequest, _accounts_v1_RevokeRoleRequest__Output>
      RevokeSessionRequest: MessageTypeDefinition<_accounts_v1_RevokeSessionRequest, _accounts_v1_RevokeSessionRequest__Output>
      Session: MessageTypeDefinition<_accounts_v1_Session, _accounts_v1_Session__Output>
      UpdateAccountRequest: MessageTypeDefinition<_accounts_v1_UpdateAccountRequest, _accounts_v1_UpdateAccountRequest__Output>
    }
  }
  google: {
    protobuf: {
      Empty: MessageTypeDefinition<_google_protobuf_Empty, _google_protobuf_Empty__Output>
      FieldMask: MessageTypeDefinition<_google_protobuf_FieldMask, _google_protobuf_FieldMask__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

