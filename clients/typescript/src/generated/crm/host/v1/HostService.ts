// Original file: ../../protos/crm/host/v1/host.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ListRolesRequest as _crm_host_v1_ListRolesRequest, ListRolesRequest__Output as _crm_host_v1_ListRolesRequest__Output } from '../../../crm/host/v1/ListRolesRequest';
import type { ListRolesResponse as _crm_host_v1_ListRolesResponse, ListRolesResponse__Output as _crm_host_v1_ListRolesResponse__Output } from '../../../crm/host/v1/ListRolesResponse';

export interface HostServiceClient extends grpc.Client {
  /**
   * Every role the loaded plugins registered, with its description.
   * Any authenticated caller may list them.
   */
  ListRoles(argument: _crm_host_v1_ListRolesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_crm_host_v1_ListRolesResponse__Output>): grpc.ClientUnaryCall;
  ListRoles(argument: _crm_host_v1_ListRolesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_crm_host_v1_ListRolesResponse__Output>): grpc.ClientUnaryCall;
  ListRoles(argument: _crm_host_v1_ListRolesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_crm_host_v1_ListRolesResponse__Output>): grpc.ClientUnaryCall;
  ListRoles(argument: _crm_host_v1_ListRolesRequest, callback: grpc.requestCallback<_crm_host_v1_ListRolesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Every role the loaded plugins registered, with its description.
   * Any authenticated caller may list them.
   */
  listRoles(argument: _crm_host_v1_ListRolesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_crm_host_v1_ListRolesResponse__Output>): grpc.ClientUnaryCall;
  listRoles(argument: _crm_host_v1_ListRolesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_crm_host_v1_ListRolesResponse__Output>): grpc.ClientUnaryCall;
  listRoles(argument: _crm_host_v1_ListRolesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_crm_host_v1_ListRolesResponse__Output>): grpc.ClientUnaryCall;
  listRoles(argument: _crm_host_v1_ListRolesRequest, callback: grpc.requestCallback<_crm_host_v1_ListRolesResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface HostServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Every role the loaded plugins registered, with its description.
   * Any authenticated caller may list them.
   */
  ListRoles: grpc.handleUnaryCall<_crm_host_v1_ListRolesRequest__Output, _crm_host_v1_ListRolesResponse>;
  
}

export interface HostServiceDefinition extends grpc.ServiceDefinition {
  ListRoles: MethodDefinition<_crm_host_v1_ListRolesRequest, _crm_host_v1_ListRolesResponse, _crm_host_v1_ListRolesRequest__Output, _crm_host_v1_ListRolesResponse__Output>
}
