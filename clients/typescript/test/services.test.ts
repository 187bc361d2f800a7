// The parts of CrmClient every service shares, over the wire: one token per
// client (login, setToken, logout, withToken), the host's own services
// (HostService, Health with its stream), Dates both ways, cancelling, and
// a method on the client for every method the carried protos declare.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';

import { CrmClient, LOAD_OPTIONS, ServingStatus, ServiceClient, describeServices } from '../src/index';
import { fromWire, toWire } from '../src/convert';
import { DESCRIPTOR } from '../src/generated/descriptor';
import { createAdmin, startHost, type RunningHost } from './host';
import { rejection, shutDown } from './rpc';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'quiet harbor lantern 2026';


const lowerCamel = (name: string) => name[0]!.toLowerCase() + name.slice(1);

describe('every service the protos declare', () => {
  it('has a client with a method for each RPC', () => {
    const client = new CrmClient('127.0.0.1:1');
    try {
      const services = describeServices();
      assert.deepEqual(Object.keys(services).sort(), [
        'accounts.v1.AccountsService',
        'contacts.v1.ContactsService',
        'crm.host.v1.HostService',
        'grpc.health.v1.Health',
      ]);
      const byService = new Map<string, ServiceClient>(
        [client.accounts, client.contacts, client.host, client.health].map((service) => [service.serviceName, service]),
      );
      let methods = 0;
      for (const [service, names] of Object.entries(services)) {
        const serviceClient = byService.get(service) as unknown as Record<string, unknown>;
        assert.ok(serviceClient, `no client for ${service}`);
        for (const name of names) {
          assert.equal(typeof serviceClient[lowerCamel(name)], 'function', `${service}.${name}`);
          methods += 1;
        }
      }
      assert.equal(methods, 14 + 20 + 1 + 3);
    } finally {
      client.close();
    }
  });

  it('encodes a Date as a Timestamp and decodes it back as that Date; messages without one pass through', () => {
    const root = protobuf.Root.fromJSON(DESCRIPTOR);
    root.resolveAll();
    const definition = protoLoader.fromJSON(DESCRIPTOR, LOAD_OPTIONS);
    const get = (definition['accounts.v1.AccountsService'] as grpc.ServiceDefinition)['ListSessions']!;
    const type = root.lookupType('accounts.v1.ListSessionsResponse');
    const created = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const before1970 = new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 1));
    const message = { sessions: [{ id: 's1', createTime: created, expireTime: before1970 }] };

    const wire = toWire(type, message) as { sessions: { createTime: { seconds: number; nanos: number } }[] };
    assert.deepEqual(wire.sessions[0]!.createTime, { seconds: Math.floor(created.getTime() / 1000), nanos: 678_000_000 });
    assert.ok(message.sessions[0]!.createTime instanceof Date, 'the request object is left as it was');

    const decoded = fromWire(type, get.responseDeserialize(get.responseSerialize(wire))) as {
      sessions: { id: string; createTime: Date; expireTime: Date; lastUsedTime: Date | null }[];
    };
    assert.equal(decoded.sessions[0]!.createTime.toISOString(), created.toISOString());
    assert.equal(decoded.sessions[0]!.expireTime.toISOString(), before1970.toISOString());
    assert.equal(decoded.sessions[0]!.lastUsedTime, null);

    const health = root.lookupType('grpc.health.v1.HealthListResponse');
    assert.deepEqual(fromWire(health, { statuses: { '': { status: 'SERVING' } } }), { statuses: { '': { status: 'SERVING' } } });
    assert.throws(() => toWire(type, { sessions: [{ createTime: new Date('not a date') }] }), {
      name: 'TypeError',
      message: 'sessions[0].createTime: Invalid Date',
    });
  });
});

describe('CrmClient against the host', () => {
  let host: RunningHost;
  let crm: CrmClient;

  before(async () => {
    host = await startHost();
    await createAdmin(host, ADMIN_EMAIL, ADMIN_PASSWORD);
    crm = new CrmClient(host.address, { timeoutMs: 30_000 });
  });

  after(() => shutDown(crm, host));

  it('checks health without a token: Check, List and the Watch stream', async () => {
    assert.equal((await crm.health.check()).status, 'SERVING');
    assert.equal((await crm.health.check({ service: 'accounts.v1.AccountsService' })).status, ServingStatus.SERVING);
    const { statuses } = await crm.health.list();
    assert.equal(statuses['']?.status, 'SERVING');
    assert.equal(statuses['accounts.v1.AccountsService']?.status, 'SERVING');

    const seen: string[] = [];
    for await (const update of crm.health.watch({ service: '' })) {
      seen.push(update.status);
      break; // the first message is the status now; leaving the loop cancels the call
    }
    assert.deepEqual(seen, ['SERVING']);

    const unknown = await rejection(crm.health.check({ service: 'no.such.Service' }), grpc.status.NOT_FOUND);
    assert.equal(unknown.code, grpc.status.NOT_FOUND);
  });

  it('login sets the token once for every service; logout revokes and forgets it', async () => {
    const unauthenticated = await rejection(crm.host.listRoles(), grpc.status.UNAUTHENTICATED);
    assert.equal(unauthenticated.reason, 'UNAUTHENTICATED');

    const login = await crm.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    assert.equal(crm.token, login.sessionToken);
    assert.ok(login.session?.expireTime instanceof Date);
    assert.ok(login.session.expireTime.getTime() > Date.now());

    const { roles } = await crm.host.listRoles();
    const admin = roles.find((role) => role.name === 'admin');
    assert.equal(admin?.plugin, 'accounts');
    assert.ok(admin.description.length > 0);
    const me = await crm.accounts.getAccount({ id: login.account!.id });
    assert.deepEqual(me.roles, ['admin']);
    assert.equal(me.state, 'ACTIVE');

    // Another user on the same channel, its token its own.
    const other = crm.withToken(undefined);
    await rejection(other.host.listRoles(), grpc.status.UNAUTHENTICATED);
    other.setToken(login.sessionToken);
    assert.equal((await other.host.listRoles()).roles.length, roles.length);

    const token = crm.token!;
    await crm.logout();
    assert.equal(crm.token, undefined);
    crm.setToken(token);
    await rejection(crm.host.listRoles(), grpc.status.UNAUTHENTICATED); // revoked on the host
    crm.setToken(undefined);
  });

  it('an AbortSignal cancels a call; an Invalid Date rejects before sending', async () => {
    const controller = new AbortController();
    controller.abort();
    await rejection(crm.health.check({}, { signal: controller.signal }), grpc.status.CANCELLED);

    await assert.rejects(crm.accounts.updateAccount({ account: { id: 'x', createTime: new Date(Number.NaN) } }), {
      name: 'TypeError',
      message: 'account.createTime: Invalid Date',
    });
  });
});
