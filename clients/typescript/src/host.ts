// crm.host.v1.HostService and grpc.health.v1.Health: the host's own services.
import { ServiceClient, type CallOptions, type Connection } from './call';
import type { ListRolesRequest } from './generated/crm/host/v1/ListRolesRequest';
import type { ListRolesResponse__Output as ListRolesResponse } from './generated/crm/host/v1/ListRolesResponse';
import type { HealthCheckRequest } from './generated/grpc/health/v1/HealthCheckRequest';
import type { HealthCheckResponse__Output as HealthCheckResponse } from './generated/grpc/health/v1/HealthCheckResponse';
import type { HealthListRequest } from './generated/grpc/health/v1/HealthListRequest';
import type { HealthListResponse__Output as HealthListResponse } from './generated/grpc/health/v1/HealthListResponse';

/** crm.host.v1.HostService: what the loaded plugins contribute. */
export class HostClient extends ServiceClient {
  /** @internal Made by CrmClient. */
  constructor(connection: Connection) {
    super(connection, 'crm.host.v1.HostService');
  }

  /** Every role the loaded plugins registered (any signed-in caller). */
  listRoles(request: ListRolesRequest = {}, options?: CallOptions): Promise<ListRolesResponse> {
    return this.unary('ListRoles', request, options);
  }
}

/** grpc.health.v1.Health; public, no token needed. The service "" is the host as a whole. */
export class HealthClient extends ServiceClient {
  /** @internal Made by CrmClient. */
  constructor(connection: Connection) {
    super(connection, 'grpc.health.v1.Health');
  }

  check(request: HealthCheckRequest = {}, options?: CallOptions): Promise<HealthCheckResponse> {
    return this.unary('Check', request, options);
  }

  list(request: HealthListRequest = {}, options?: CallOptions): Promise<HealthListResponse> {
    return this.unary('List', request, options);
  }

  /** The status now, then each change; break out of the loop (or abort) to stop watching. */
  watch(request: HealthCheckRequest = {}, options?: CallOptions): AsyncGenerator<HealthCheckResponse> {
    return this.serverStream('Watch', request, options);
  }
}
