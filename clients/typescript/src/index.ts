export { AccountsClient, DEFAULT_PROTO_PATH, LOAD_OPTIONS, loadAccountsProto, timestampToDate } from './client';
export type { AccountsClientOptions, CallOptions } from './client';
export { RpcError, decodeStatus, statusDetailsFromMetadata, STATUS_DETAILS_KEY } from './errors';
export type { ErrorInfo, FieldViolation, StatusDetails } from './errors';
export type { ProtoGrpcType } from './generated/accounts';
export type { Account, Account__Output } from './generated/accounts/v1/Account';
export { _accounts_v1_Account_State as AccountState } from './generated/accounts/v1/Account';
