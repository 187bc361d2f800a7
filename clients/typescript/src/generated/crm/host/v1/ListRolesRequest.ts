// Original file: ../../protos/crm/host/v1/host.proto


export interface ListRolesRequest {
}

export interface ListRolesRequest__Output {
}
