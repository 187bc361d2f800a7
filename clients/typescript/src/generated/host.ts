import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { HostServiceClient as _crm_host_v1_HostServiceClient, HostServiceDefinition as _crm_host_v1_HostServiceDefinition } from './crm/host/v1/HostService';
import type { ListRolesRequest as _crm_host_v1_ListRolesRequest, ListRolesRequest__Output as _crm_host_v1_ListRolesRequest__Output } from './crm/host/v1/ListRolesRequest';
import type { ListRolesResponse as _crm_host_v1_ListRolesResponse, ListRolesResponse__Output as _crm_host_v1_ListRolesResponse__Output } from './crm/host/v1/ListRolesResponse';
import type { Role as _crm_host_v1_Role, Role__Output as _crm_host_v1_Role__Output } from './crm/host/v1/Role';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  crm: {
    host: {
      v1: {
        HostService: SubtypeConstructor<typeof grpc.Client, _crm_host_v1_HostServiceClient> & { service: _crm_host_v1_HostServiceDefinition }
        ListRolesRequest: MessageTypeDefinition<_crm_host_v1_ListRolesRequest, _crm_host_v1_ListRolesRequest__Output>
        ListRolesResponse: MessageTypeDefinition<_crm_host_v1_ListRolesResponse, _crm_host_v1_ListRolesResponse__Output>
        Role: MessageTypeDefinition<_crm_host_v1_Role, _crm_host_v1_Role__Output>
      }
    }
  }
}

