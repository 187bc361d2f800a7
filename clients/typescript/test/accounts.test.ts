// Over the wire, against the real host: every AccountsService RPC through
// CrmClient, and the rich error details of each error code.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';

import { AccountState, CrmClient, RpcError } from '../src/index';
import { createAdmin, startHost, type RunningHost } from './host';
import { rejection, shutDown } from './rpc';

const DOMAIN = 'accounts.v1.AccountsService';
const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'quiet harbor lantern 2026';
const ALICE_PASSWORD = 'amber meadow kettle 7193';
const ALICE_NEW_PASSWORD = 'violet canyon drum 4820';
const BOB_PASSWORD = 'silver orchard piano 5561';


describe('AccountsService over the wire', () => {
  let host: RunningHost;
  let anonymous: CrmClient;
  let admin: CrmClient;
  let alice: CrmClient;
  let aliceId: string;
  let bobId: string;

  before(async () => {
    host = await startHost();
    await createAdmin(host, ADMIN_EMAIL, ADMIN_PASSWORD);
    anonymous = new CrmClient(host.address, { timeoutMs: 30_000 });
    const login = await anonymous.accounts.authenticate({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    admin = anonymous.withToken(login.sessionToken);
  });

  after(() => shutDown(anonymous, host));

  it('creates an account', async () => {
    const created = await anonymous.accounts.createAccount({ name: 'Alice Liddell', email: 'alice@example.com', password: ALICE_PASSWORD });
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.name, 'Alice Liddell');
    assert.equal(created.email, 'alice@example.com');
    assert.equal(created.state, 'ACTIVE');
    assert.equal(created.state, AccountState.ACTIVE);
    assert.ok(created.etag);
    assert.ok(created.createTime instanceof Date);
    assert.ok(Math.abs(created.createTime.getTime() - Date.now()) < 60_000);
    assert.deepEqual(created.roles, []);
    assert.ok(!('password' in created));
    aliceId = created.id;
    bobId = (await anonymous.accounts.createAccount({ name: 'Bob Builder', email: 'bob@example.com', password: BOB_PASSWORD })).id;
  });

  it('INVALID_ARGUMENT carries ErrorInfo and BadRequest field violations', async () => {
    const error = await rejection(
      anonymous.accounts.createAccount({ name: '   ', email: 'not-an-address', password: 'password' }),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(error.reason, 'VALIDATION_FAILED');
    assert.equal(error.domain, DOMAIN);
    assert.match(error.message, /^invalid request: /);
    const reasons = Object.fromEntries(error.fieldViolations.map((v) => [v.field, v.reason]));
    assert.deepEqual(reasons, { name: 'NAME_EMPTY', email: 'EMAIL_INVALID', password: 'PASSWORD_TOO_COMMON' });
    for (const violation of error.fieldViolations) assert.ok(violation.description.length > 0);
    assert.equal(error.violationsOf('password').length, 1);
  });

  it('ALREADY_EXISTS for a taken email, in any letter case', async () => {
    const error = await rejection(
      anonymous.accounts.createAccount({ name: 'Other Alice', email: 'ALICE@example.com', password: 'copper lagoon whistle 3307' }),
      grpc.status.ALREADY_EXISTS,
    );
    assert.equal(error.reason, 'EMAIL_ALREADY_EXISTS');
    assert.equal(error.domain, DOMAIN);
    assert.deepEqual(error.fieldViolations, []);
  });

  it('authenticates, and refuses a wrong password with UNAUTHENTICATED', async () => {
    const login = await anonymous.accounts.authenticate({ email: 'alice@example.com', password: ALICE_PASSWORD });
    assert.ok(login.sessionToken);
    assert.equal(login.account?.id, aliceId);
    assert.equal(login.session?.accountId, aliceId);
    alice = anonymous.withToken(login.sessionToken);

    const error = await rejection(anonymous.accounts.authenticate({ email: 'alice@example.com', password: 'wrong but long enough' }), grpc.status.UNAUTHENTICATED);
    assert.equal(error.reason, 'INVALID_CREDENTIALS');
    assert.equal(error.message, 'invalid email address or password');
  });

  it('gets an account with the session token; UNAUTHENTICATED without one', async () => {
    const account = await alice.accounts.getAccount({ id: aliceId });
    assert.equal(account.email, 'alice@example.com');

    const error = await rejection(anonymous.accounts.getAccount({ id: aliceId }), grpc.status.UNAUTHENTICATED);
    assert.equal(error.reason, 'UNAUTHENTICATED');
    assert.equal(error.domain, 'crm-host');

    const bogus = await rejection(anonymous.withToken('not-a-token').accounts.getAccount({ id: aliceId }), grpc.status.UNAUTHENTICATED);
    assert.equal(bogus.reason, 'UNAUTHENTICATED');
  });

  it('PERMISSION_DENIED for another account and for admin-only calls', async () => {
    const other = await rejection(alice.accounts.getAccount({ id: bobId }), grpc.status.PERMISSION_DENIED);
    assert.equal(other.reason, 'PERMISSION_DENIED');
    assert.equal(other.domain, DOMAIN);

    const list = await rejection(alice.accounts.listAccounts({}), grpc.status.PERMISSION_DENIED);
    assert.equal(list.reason, 'ROLE_REQUIRED');
    assert.equal(list.domain, 'crm-host');
    assert.equal(list.metadata['role'], 'admin');
  });

  it('NOT_FOUND with the id in the metadata', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const error = await rejection(admin.accounts.getAccount({ id: missing }), grpc.status.NOT_FOUND);
    assert.equal(error.reason, 'ACCOUNT_NOT_FOUND');
    assert.deepEqual({ ...error.metadata }, { id: missing });
  });

  it('lists accounts page by page', async () => {
    for (let i = 1; i <= 3; i += 1) {
      await anonymous.accounts.createAccount({ name: `Paged User ${i}`, email: `paged${i}@example.com`, password: `opal ferry beacon ${1000 + i}` });
    }
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await admin.accounts.listAccounts({ pageSize: 2, pageToken, orderBy: 'create_time' });
      assert.ok(page.accounts.length <= 2);
      seen.push(...page.accounts.map((account) => account.email));
      pageToken = page.nextPageToken;
      pages += 1;
    } while (pageToken !== '');
    // admin, alice, bob, paged1..3
    assert.equal(pages, 3);
    assert.deepEqual(seen, [ADMIN_EMAIL, 'alice@example.com', 'bob@example.com', 'paged1@example.com', 'paged2@example.com', 'paged3@example.com']);

    const filtered: string[] = [];
    for await (const account of admin.accounts.listAllAccounts({ pageSize: 1, filter: 'name : "paged"' })) filtered.push(account.email);
    assert.deepEqual(filtered.sort(), ['paged1@example.com', 'paged2@example.com', 'paged3@example.com']);

    const badToken = await rejection(admin.accounts.listAccounts({ pageToken: 'garbage' }), grpc.status.INVALID_ARGUMENT);
    assert.deepEqual(badToken.fieldViolations.map((v) => [v.field, v.reason]), [['page_token', 'PAGE_TOKEN_INVALID']]);
  });

  it('an empty page has every field: accounts [] and nextPageToken "" (strict types, no assertions)', async () => {
    // Compiled under `strict`: reading these without `!` or `?.` type-checks only
    // because the generated output types match the client's load options.
    const page = await admin.accounts.listAccounts({ filter: 'name : "nobody by this name"' });
    assert.equal(page.accounts.length, 0);
    assert.equal(page.nextPageToken.length, 0);
    const sessions = await admin.accounts.listSessions({ accountId: bobId });
    const ids: string[] = sessions.sessions.map((session) => session.id);
    assert.equal(ids.length, 0);
  });

  it('updates with an etag; a stale etag gives ABORTED', async () => {
    const before = await alice.accounts.getAccount({ id: aliceId });
    const updated = await alice.accounts.updateAccount({
      account: { id: aliceId, name: 'Alice Pleasance Liddell', etag: before.etag },
      updateMask: { paths: ['name'] },
    });
    assert.equal(updated.name, 'Alice Pleasance Liddell');
    assert.notEqual(updated.etag, before.etag);

    const error = await rejection(
      alice.accounts.updateAccount({ account: { id: aliceId, name: 'Stale Write', etag: before.etag }, updateMask: { paths: ['name'] } }),
      grpc.status.ABORTED,
    );
    assert.equal(error.reason, 'ETAG_MISMATCH');
    assert.equal((await alice.accounts.getAccount({ id: aliceId })).name, 'Alice Pleasance Liddell');
  });

  it('disables and enables an account (admin)', async () => {
    assert.equal((await admin.accounts.disableAccount({ id: bobId })).state, AccountState.DISABLED);
    await rejection(anonymous.accounts.authenticate({ email: 'bob@example.com', password: BOB_PASSWORD }), grpc.status.UNAUTHENTICATED);
    assert.equal((await admin.accounts.enableAccount({ id: bobId })).state, AccountState.ACTIVE);
    await anonymous.accounts.authenticate({ email: 'bob@example.com', password: BOB_PASSWORD });
  });

  it('lists and revokes sessions', async () => {
    const second = anonymous.withToken((await anonymous.accounts.authenticate({ email: 'alice@example.com', password: ALICE_PASSWORD })).sessionToken);
    const third = anonymous.withToken((await anonymous.accounts.authenticate({ email: 'alice@example.com', password: ALICE_PASSWORD })).sessionToken);
    const sessions = await alice.accounts.listSessions({ accountId: aliceId });
    assert.equal(sessions.sessions.length, 3);

    await second.accounts.revokeSession(); // logout: its own session
    await rejection(second.accounts.getAccount({ id: aliceId }), grpc.status.UNAUTHENTICATED);
    const gone = await rejection(alice.accounts.revokeSession({ sessionId: '00000000-0000-4000-8000-000000000000' }), grpc.status.NOT_FOUND);
    assert.equal(gone.reason, 'SESSION_NOT_FOUND');
    assert.equal((await alice.accounts.listSessions({ accountId: aliceId })).sessions.length, 2);
    await third.accounts.getAccount({ id: aliceId });
  });

  it('changes the password, ending the other sessions', async () => {
    const other = anonymous.withToken((await anonymous.accounts.authenticate({ email: 'alice@example.com', password: ALICE_PASSWORD })).sessionToken);

    const wrong = await rejection(
      alice.accounts.changePassword({ id: aliceId, currentPassword: 'not the password', newPassword: ALICE_NEW_PASSWORD }),
      grpc.status.UNAUTHENTICATED,
    );
    assert.equal(wrong.reason, 'INVALID_CREDENTIALS');
    const weak = await rejection(
      alice.accounts.changePassword({ id: aliceId, currentPassword: ALICE_PASSWORD, newPassword: '12345678' }),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(weak.violationsOf('new_password').length, 1);

    await alice.accounts.changePassword({ id: aliceId, currentPassword: ALICE_PASSWORD, newPassword: ALICE_NEW_PASSWORD });
    await alice.accounts.getAccount({ id: aliceId }); // the session it was made with stays
    await rejection(other.accounts.getAccount({ id: aliceId }), grpc.status.UNAUTHENTICATED);
    await rejection(anonymous.accounts.authenticate({ email: 'alice@example.com', password: ALICE_PASSWORD }), grpc.status.UNAUTHENTICATED);
    await anonymous.accounts.authenticate({ email: 'alice@example.com', password: ALICE_NEW_PASSWORD });
  });

  it('RESOURCE_EXHAUSTED with RetryInfo after repeated failed logins', async () => {
    let error: RpcError | undefined;
    for (let attempt = 0; attempt < 10 && error === undefined; attempt += 1) {
      try {
        await anonymous.accounts.authenticate({ email: 'nobody@example.com', password: 'wrong but long enough' });
      } catch (caught) {
        assert.ok(caught instanceof RpcError);
        if (caught.code === grpc.status.RESOURCE_EXHAUSTED) error = caught;
        else assert.equal(caught.code, grpc.status.UNAUTHENTICATED);
      }
    }
    assert.ok(error, 'no RESOURCE_EXHAUSTED after 10 failed logins');
    assert.equal(error.reason, 'TOO_MANY_LOGIN_ATTEMPTS');
    assert.ok(error.retryDelaySeconds !== undefined && error.retryDelaySeconds > 0, `retryDelaySeconds ${error.retryDelaySeconds}`);
  });

  it('deletes an account; then NOT_FOUND', async () => {
    const bob = anonymous.withToken((await anonymous.accounts.authenticate({ email: 'bob@example.com', password: BOB_PASSWORD })).sessionToken);
    await rejection(bob.accounts.deleteAccount({ id: aliceId }), grpc.status.PERMISSION_DENIED);
    await alice.accounts.deleteAccount({ id: aliceId });
    await rejection(alice.accounts.getAccount({ id: aliceId }), grpc.status.UNAUTHENTICATED); // its sessions went with it
    const error = await rejection(admin.accounts.getAccount({ id: aliceId }), grpc.status.NOT_FOUND);
    assert.equal(error.metadata['id'], aliceId);
    await rejection(admin.accounts.deleteAccount({ id: aliceId }), grpc.status.NOT_FOUND);
    // The email can be registered again.
    await anonymous.accounts.createAccount({ name: 'Alice Again', email: 'alice@example.com', password: ALICE_PASSWORD });


    await admin.accounts.revokeAllSessions({ accountId: bobId });
    await rejection(bob.accounts.getAccount({ id: bobId }), grpc.status.UNAUTHENTICATED);
  });
});

describe('RpcError without status details', () => {
  it('maps a transport failure (UNAVAILABLE) with empty details', async () => {
    const client = new CrmClient('127.0.0.1:1', { timeoutMs: 5_000 });
    try {
      const error = await rejection(client.accounts.getAccount({ id: 'x' }), grpc.status.UNAVAILABLE);
      assert.equal(error.reason, undefined);
      assert.equal(error.domain, undefined);
      assert.deepEqual(error.fieldViolations, []);
      assert.deepEqual({ ...error.metadata }, {});
      assert.equal(error.retryDelaySeconds, undefined);
    } finally {
      client.close();
    }
  });
});
