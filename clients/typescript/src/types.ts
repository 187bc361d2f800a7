// The message types under plain names: a response message `Person` is what a call
// returns (every field present), `PersonInput` what a request may carry (every
// field optional); requests are `...Request`, responses `...Response`.

export type { Account__Output as Account, Account as AccountInput } from './generated/accounts/v1/Account';
export type { AuthenticateRequest } from './generated/accounts/v1/AuthenticateRequest';
export type { AuthenticateResponse__Output as AuthenticateResponse } from './generated/accounts/v1/AuthenticateResponse';
export type { ChangePasswordRequest } from './generated/accounts/v1/ChangePasswordRequest';
export type { CreateAccountRequest } from './generated/accounts/v1/CreateAccountRequest';
export type { CreateAccountResponse__Output as CreateAccountResponse } from './generated/accounts/v1/CreateAccountResponse';
export type { DeleteAccountRequest } from './generated/accounts/v1/DeleteAccountRequest';
export type { DisableAccountRequest } from './generated/accounts/v1/DisableAccountRequest';
export type { EnableAccountRequest } from './generated/accounts/v1/EnableAccountRequest';
export type { GetAccountRequest } from './generated/accounts/v1/GetAccountRequest';
export type { GrantRoleRequest } from './generated/accounts/v1/GrantRoleRequest';
export type { ListAccountsRequest } from './generated/accounts/v1/ListAccountsRequest';
export type { ListAccountsResponse__Output as ListAccountsResponse } from './generated/accounts/v1/ListAccountsResponse';
export type { ListSessionsRequest } from './generated/accounts/v1/ListSessionsRequest';
export type { ListSessionsResponse__Output as ListSessionsResponse } from './generated/accounts/v1/ListSessionsResponse';
export type { RevokeAllSessionsRequest } from './generated/accounts/v1/RevokeAllSessionsRequest';
export type { RevokeRoleRequest } from './generated/accounts/v1/RevokeRoleRequest';
export type { RevokeSessionRequest } from './generated/accounts/v1/RevokeSessionRequest';
export type { Session__Output as Session, Session as SessionInput } from './generated/accounts/v1/Session';
export type { UpdateAccountRequest } from './generated/accounts/v1/UpdateAccountRequest';
export type { Affiliation__Output as Affiliation, Affiliation as AffiliationInput } from './generated/contacts/v1/Affiliation';
export type { Company__Output as Company, Company as CompanyInput } from './generated/contacts/v1/Company';
export type { CreateAffiliationRequest } from './generated/contacts/v1/CreateAffiliationRequest';
export type { CreateCompanyRequest } from './generated/contacts/v1/CreateCompanyRequest';
export type { CreatePersonRequest } from './generated/contacts/v1/CreatePersonRequest';
export type { Date__Output as CalendarDate, Date as CalendarDateInput } from './generated/contacts/v1/Date';
export type { DeleteAffiliationRequest } from './generated/contacts/v1/DeleteAffiliationRequest';
export type { DeleteCompanyRequest } from './generated/contacts/v1/DeleteCompanyRequest';
export type { DeletePersonRequest } from './generated/contacts/v1/DeletePersonRequest';
export type { EmailAddress__Output as EmailAddress, EmailAddress as EmailAddressInput } from './generated/contacts/v1/EmailAddress';
export type { GetAffiliationRequest } from './generated/contacts/v1/GetAffiliationRequest';
export type { GetCompanyRequest } from './generated/contacts/v1/GetCompanyRequest';
export type { GetPersonRequest } from './generated/contacts/v1/GetPersonRequest';
export type { ListAffiliationsRequest } from './generated/contacts/v1/ListAffiliationsRequest';
export type { ListAffiliationsResponse__Output as ListAffiliationsResponse } from './generated/contacts/v1/ListAffiliationsResponse';
export type { ListCompaniesRequest } from './generated/contacts/v1/ListCompaniesRequest';
export type { ListCompaniesResponse__Output as ListCompaniesResponse } from './generated/contacts/v1/ListCompaniesResponse';
export type { ListPeopleRequest } from './generated/contacts/v1/ListPeopleRequest';
export type { ListPeopleResponse__Output as ListPeopleResponse } from './generated/contacts/v1/ListPeopleResponse';
export type { MergeCompaniesRequest } from './generated/contacts/v1/MergeCompaniesRequest';
export type { MergePeopleRequest } from './generated/contacts/v1/MergePeopleRequest';
export type { MergeSource__Output as MergeSource, MergeSource as MergeSourceInput } from './generated/contacts/v1/MergeSource';
export type { Person__Output as Person, Person as PersonInput } from './generated/contacts/v1/Person';
export type { PhoneNumber__Output as PhoneNumber, PhoneNumber as PhoneNumberInput } from './generated/contacts/v1/PhoneNumber';
export type { PostalAddress__Output as PostalAddress, PostalAddress as PostalAddressInput } from './generated/contacts/v1/PostalAddress';
export type { SearchPeopleRequest } from './generated/contacts/v1/SearchPeopleRequest';
export type { SearchPeopleResponse__Output as SearchPeopleResponse } from './generated/contacts/v1/SearchPeopleResponse';
export type { UndeleteCompanyRequest } from './generated/contacts/v1/UndeleteCompanyRequest';
export type { UndeletePersonRequest } from './generated/contacts/v1/UndeletePersonRequest';
export type { UpdateAffiliationRequest } from './generated/contacts/v1/UpdateAffiliationRequest';
export type { UpdateCompanyRequest } from './generated/contacts/v1/UpdateCompanyRequest';
export type { UpdatePersonRequest } from './generated/contacts/v1/UpdatePersonRequest';
export type { ListRolesRequest } from './generated/crm/host/v1/ListRolesRequest';
export type { ListRolesResponse__Output as ListRolesResponse } from './generated/crm/host/v1/ListRolesResponse';
export type { Role__Output as Role, Role as RoleInput } from './generated/crm/host/v1/Role';
export type { HealthCheckRequest } from './generated/grpc/health/v1/HealthCheckRequest';
export type { HealthCheckResponse__Output as HealthCheckResponse } from './generated/grpc/health/v1/HealthCheckResponse';
export type { HealthListRequest } from './generated/grpc/health/v1/HealthListRequest';
export type { HealthListResponse__Output as HealthListResponse } from './generated/grpc/health/v1/HealthListResponse';
export type { FieldMask } from './generated/google/protobuf/FieldMask';

import { _accounts_v1_Account_State, type _accounts_v1_Account_State__Output } from './generated/accounts/v1/Account';
import {
  _grpc_health_v1_HealthCheckResponse_ServingStatus,
  type _grpc_health_v1_HealthCheckResponse_ServingStatus__Output,
} from './generated/grpc/health/v1/HealthCheckResponse';

/** accounts.v1.Account.State: AccountState.ACTIVE is 'ACTIVE'. */
export const AccountState = _accounts_v1_Account_State;
export type AccountState = _accounts_v1_Account_State__Output;

/** grpc.health.v1.HealthCheckResponse.ServingStatus: ServingStatus.SERVING is 'SERVING'. */
export const ServingStatus = _grpc_health_v1_HealthCheckResponse_ServingStatus;
export type ServingStatus = _grpc_health_v1_HealthCheckResponse_ServingStatus__Output;
