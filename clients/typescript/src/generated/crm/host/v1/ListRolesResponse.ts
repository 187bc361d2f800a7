// Original file: ../../protos/crm/host/v1/host.proto

import type { Role as _crm_host_v1_Role, Role__Output as _crm_host_v1_Role__Output } from '../../../crm/host/v1/Role';

export interface ListRolesResponse {
  /**
   * By name.
   */
  'roles'?: (_crm_host_v1_Role)[];
}

export interface ListRolesResponse__Output {
  /**
   * By name.
   */
  'roles': (_crm_host_v1_Role__Output)[];
}
