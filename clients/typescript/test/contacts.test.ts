// Over the wire, against a host serving accounts and contacts: every
// ContactsService RPC through CrmClient, with timestamps as Dates, labels as
// objects, calendar dates as { year, month, day }, and the access rules.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';

import { CrmClient, type Company, type Person } from '../src/index';
import { createAdmin, startHost, type RunningHost } from './host';
import { rejection, shutDown } from './rpc';

const DOMAIN = 'contacts.v1.ContactsService';
const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'quiet harbor lantern 2026';
const ALICE_PASSWORD = 'amber meadow kettle 7193';
const BOB_PASSWORD = 'silver orchard piano 5561';
const DAY_MS = 24 * 60 * 60 * 1000;


function recent(date: Date | null): void {
  assert.ok(date instanceof Date, `not a Date: ${String(date)}`);
  assert.ok(Math.abs(date.getTime() - Date.now()) < 600_000, date.toISOString());
}

describe('ContactsService over the wire', () => {
  let host: RunningHost;
  let anonymous: CrmClient;
  let admin: CrmClient;
  let alice: CrmClient;
  let bob: CrmClient;
  let aliceId: string;
  let bobId: string;
  let books: Company;
  let ada: Person;
  let byron: Person;

  before(async () => {
    host = await startHost('127.0.0.1:0', ['accounts', 'contacts']);
    await createAdmin(host, ADMIN_EMAIL, ADMIN_PASSWORD);
    anonymous = new CrmClient(host.address, { timeoutMs: 30_000 });
    admin = anonymous.withToken(undefined);
    await admin.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    aliceId = (await anonymous.accounts.createAccount({ name: 'Alice', email: 'alice@example.com', password: ALICE_PASSWORD })).id;
    bobId = (await anonymous.accounts.createAccount({ name: 'Bob', email: 'bob@example.com', password: BOB_PASSWORD })).id;
    alice = anonymous.withToken(undefined);
    await alice.login({ email: 'alice@example.com', password: ALICE_PASSWORD });
    bob = anonymous.withToken(undefined);
    await bob.login({ email: 'bob@example.com', password: BOB_PASSWORD });
  });

  after(() => shutDown(anonymous, host));

  it('creates a company owned by the caller: Dates, labels, an address and a normalised domain', async () => {
    books = await alice.contacts.createCompany({
      company: {
        displayName: 'Bücher GmbH',
        domain: 'Bücher.Example',
        phone: '+49 30 1234567',
        employeeCount: 12,
        address: { streetLines: ['Hauptstraße 1'], locality: 'Berlin', postalCode: '10115', countryCode: 'DE' },
        labels: { tier: 'gold' },
      },
    });
    assert.match(books.id, /^[0-9a-f-]{36}$/);
    assert.equal(books.ownerId, aliceId);
    assert.equal(books.domain, 'xn--bcher-kva.example');
    assert.equal(books.phone, '+49301234567');
    assert.deepEqual(books.labels, { tier: 'gold' });
    assert.deepEqual(books.address?.streetLines, ['Hauptstraße 1']);
    recent(books.createTime);
    recent(books.updateTime);
    assert.equal(books.deleteTime, null);
    assert.equal(books.expireTime, null);
    assert.ok(books.etag);
    assert.deepEqual(await bob.contacts.getCompany({ id: books.id }), books);

    const unauthenticated = await rejection(anonymous.contacts.getCompany({ id: books.id }), grpc.status.UNAUTHENTICATED);
    assert.equal(unauthenticated.reason, 'UNAUTHENTICATED');
    const taken = await rejection(
      bob.contacts.createCompany({ company: { displayName: 'Other Books', domain: 'BÜCHER.example' } }),
      grpc.status.ALREADY_EXISTS,
    );
    assert.equal(taken.domain, DOMAIN);
    const invalid = await rejection(bob.contacts.createCompany({ company: { domain: 'nameless.example' } }), grpc.status.INVALID_ARGUMENT);
    assert.equal(invalid.domain, DOMAIN);
    assert.ok(invalid.fieldViolations.some((v) => v.field.endsWith('display_name')), JSON.stringify(invalid.fieldViolations));
  });

  it('updates a company with an update_mask and its etag; a stale etag is ABORTED; another account may not', async () => {
    const updated = await alice.contacts.updateCompany({
      company: { id: books.id, industry: 'Publishing', etag: books.etag },
      updateMask: { paths: ['industry'] },
    });
    assert.equal(updated.industry, 'Publishing');
    assert.equal(updated.displayName, 'Bücher GmbH');
    assert.notEqual(updated.etag, books.etag);
    assert.ok(updated.updateTime!.getTime() >= books.updateTime!.getTime());

    const stale = await rejection(
      alice.contacts.updateCompany({ company: { id: books.id, industry: 'Print', etag: books.etag }, updateMask: { paths: ['industry'] } }),
      grpc.status.ABORTED,
    );
    assert.equal(stale.reason, 'ETAG_MISMATCH');
    await rejection(
      bob.contacts.updateCompany({ company: { id: books.id, industry: 'Print' }, updateMask: { paths: ['industry'] } }),
      grpc.status.PERMISSION_DENIED,
    );
    books = updated;
  });

  it('creates people (E.164 phones, a derived display name, request_id retries), lists them by filter page by page, searches', async () => {
    const request = {
      person: {
        givenName: 'Ada',
        familyName: 'Lovelace',
        emails: [{ address: 'ada@analytical.example', label: 'work', primary: true }],
        phones: [{ number: '+44 20 7946 0958', label: 'work' }],
        jobTitle: 'Analyst',
        primaryCompanyId: books.id,
      },
      requestId: '6f1c1b0e-5b9e-4f5a-9d3e-1a2b3c4d5e6f',
    };
    ada = await alice.contacts.createPerson(request);
    assert.equal(ada.displayName, 'Ada Lovelace');
    assert.deepEqual(ada.phones, [{ number: '+442079460958', label: 'work' }]);
    assert.equal(ada.primaryCompanyId, books.id);
    assert.equal(ada.doNotContact, false);
    assert.deepEqual(ada.labels, {});
    recent(ada.createTime);
    const retried = await alice.contacts.createPerson(request);
    assert.equal(retried.id, ada.id);

    byron = await bob.contacts.createPerson({ person: { givenName: 'Byron', familyName: 'Lovelace', emails: [{ address: 'byron@example.com', primary: true }] } });
    await bob.contacts.createPerson({ person: { familyName: 'Babbage' } });
    const named = await rejection(bob.contacts.createPerson({ person: { jobTitle: 'Nobody' } }), grpc.status.INVALID_ARGUMENT);
    assert.ok(named.fieldViolations.length > 0);

    const lovelaces: string[] = [];
    for await (const person of alice.contacts.listAllPeople({ filter: 'family_name = "lovelace"', orderBy: 'display_name', pageSize: 1 })) {
      lovelaces.push(person.displayName);
    }
    assert.deepEqual(lovelaces, ['Ada Lovelace', 'Byron Lovelace']);
    const page = await alice.contacts.listPeople({ filter: 'family_name = "Lovelace"', pageSize: 1 });
    assert.equal(page.people.length, 1);
    assert.notEqual(page.nextPageToken, '');

    const byEmail = await alice.contacts.searchPeople({ query: 'byron@exa' });
    assert.deepEqual(byEmail.people.map((person) => person.id), [byron.id]);
    const byName: string[] = [];
    for await (const person of alice.contacts.searchAllPeople({ query: 'LOVEL', pageSize: 1 })) byName.push(person.displayName);
    // Newest first: Byron was created after Ada.
    assert.deepEqual(byName, ['Byron Lovelace', 'Ada Lovelace']);
    const empty = await rejection(alice.contacts.searchPeople({ query: '  ' }), grpc.status.INVALID_ARGUMENT);
    assert.equal(empty.violationsOf('query')[0]?.reason, 'QUERY_EMPTY');
  });

  it('affiliations: created with calendar dates, listed, updated and deleted', async () => {
    const affiliation = await alice.contacts.createAffiliation({
      affiliation: { personId: ada.id, companyId: books.id, role: 'Advisor', primary: true, startDate: { year: 2024, month: 3, day: 1 } },
    });
    assert.deepEqual(affiliation.startDate, { year: 2024, month: 3, day: 1 });
    assert.equal(affiliation.endDate, null);
    recent(affiliation.createTime);
    assert.deepEqual(await alice.contacts.getAffiliation({ id: affiliation.id }), affiliation);

    const listed = await alice.contacts.listAffiliations({ filter: `person_id = "${ada.id}"` });
    assert.deepEqual(listed.affiliations.map((item) => item.id), [affiliation.id]);
    const all: string[] = [];
    for await (const item of alice.contacts.listAllAffiliations({ filter: `company_id = "${books.id}"` })) all.push(item.id);
    assert.deepEqual(all, [affiliation.id]);

    const updated = await alice.contacts.updateAffiliation({
      affiliation: { id: affiliation.id, role: 'Chief Analyst', endDate: { year: 2025, month: 12, day: 31 }, etag: affiliation.etag },
      updateMask: { paths: ['role', 'end_date'] },
    });
    assert.equal(updated.role, 'Chief Analyst');
    assert.deepEqual(updated.endDate, { year: 2025, month: 12, day: 31 });
    const backwards = await rejection(
      alice.contacts.updateAffiliation({ affiliation: { id: affiliation.id, endDate: { year: 2020, month: 1, day: 1 } }, updateMask: { paths: ['end_date'] } }),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(backwards.fieldViolations.map((v) => [v.field, v.reason]), [['affiliation.end_date', 'END_DATE_INVALID']]);

    assert.deepEqual(await alice.contacts.deleteAffiliation({ id: affiliation.id, etag: updated.etag }), {});
    const gone = await rejection(alice.contacts.getAffiliation({ id: affiliation.id }), grpc.status.NOT_FOUND);
    assert.equal(gone.domain, DOMAIN);
  });

  it('soft delete: Get still returns it with Dates, List hides it unless showDeleted, Undelete restores it', async () => {
    const deleted = await bob.contacts.deletePerson({ id: byron.id, etag: byron.etag });
    recent(deleted.deleteTime);
    assert.ok(deleted.expireTime instanceof Date);
    assert.ok(deleted.expireTime.getTime() - deleted.deleteTime!.getTime() > DAY_MS, 'kept for more than a day');
    assert.deepEqual((await bob.contacts.getPerson({ id: byron.id })).deleteTime, deleted.deleteTime);

    const live = await bob.contacts.listPeople({ filter: 'family_name = "Lovelace"' });
    assert.deepEqual(live.people.map((person) => person.id), [ada.id]);
    const withDeleted = await bob.contacts.listPeople({ filter: 'family_name = "Lovelace"', showDeleted: true });
    assert.deepEqual(withDeleted.people.map((person) => person.id).sort(), [ada.id, byron.id].sort());

    const restored = await bob.contacts.undeletePerson({ id: byron.id, etag: deleted.etag });
    assert.equal(restored.deleteTime, null);
    assert.equal(restored.expireTime, null);
    byron = restored;

    const company = await bob.contacts.createCompany({ company: { displayName: 'Short Lived Ltd' } });
    const gone = await bob.contacts.deleteCompany({ id: company.id });
    recent(gone.deleteTime);
    assert.equal((await bob.contacts.undeleteCompany({ id: company.id })).deleteTime, null);
  });

  it('merges people: the target takes the emails; the source is deleted; a retry with the request_id answers the same', async () => {
    const copy = await bob.contacts.createPerson({
      person: { givenName: 'Byron', familyName: 'Lovelace', emails: [{ address: 'lord.byron@example.com' }], labels: { source: 'import' } },
    });
    const request = { targetId: byron.id, targetEtag: byron.etag, sources: [{ id: copy.id, etag: copy.etag }], requestId: 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff' };
    const merged = await bob.contacts.mergePeople(request);
    assert.equal(merged.id, byron.id);
    assert.deepEqual(merged.emails.map((email) => email.address).sort(), ['byron@example.com', 'lord.byron@example.com']);
    assert.deepEqual(merged.labels, { source: 'import' });
    recent((await bob.contacts.getPerson({ id: copy.id })).deleteTime);
    assert.deepEqual(await bob.contacts.mergePeople(request), merged);

    await rejection(alice.contacts.mergePeople({ targetId: byron.id, sources: [{ id: ada.id }] }), grpc.status.PERMISSION_DENIED);
    byron = merged;
  });

  it('merges companies: the target keeps its fields and takes the source’s affiliations', async () => {
    const duplicate = await alice.contacts.createCompany({ company: { displayName: 'Buecher', website: 'https://buecher.example' } });
    const link = await alice.contacts.createAffiliation({ affiliation: { personId: ada.id, companyId: duplicate.id, role: 'Reader' } });
    const merged = await alice.contacts.mergeCompanies({ targetId: books.id, targetEtag: books.etag, sources: [{ id: duplicate.id, etag: duplicate.etag }] });
    assert.equal(merged.displayName, 'Bücher GmbH');
    assert.equal(merged.website, 'https://buecher.example');
    assert.equal((await alice.contacts.getAffiliation({ id: link.id })).companyId, books.id);
    recent((await alice.contacts.getCompany({ id: duplicate.id })).deleteTime);
    const companies: string[] = [];
    for await (const company of alice.contacts.listAllCompanies({ orderBy: 'display_name' })) companies.push(company.displayName);
    assert.ok(companies.includes('Bücher GmbH') && !companies.includes('Buecher'), companies.join(', '));
    books = merged;
  });

  it('contacts.manager: listed by HostService, granted by an admin, lets another account change the company', async () => {
    const { roles } = await bob.host.listRoles();
    const manager = roles.find((role) => role.name === 'contacts.manager');
    assert.equal(manager?.plugin, 'contacts');

    const update = () =>
      bob.contacts.updateCompany({ company: { id: books.id, employeeCount: 40 }, updateMask: { paths: ['employee_count'] } });
    await rejection(update(), grpc.status.PERMISSION_DENIED);
    assert.deepEqual((await admin.accounts.grantRole({ accountId: bobId, role: 'contacts.manager' })).roles, ['contacts.manager']);
    assert.equal((await update()).employeeCount, 40);
    assert.deepEqual((await admin.accounts.revokeRole({ accountId: bobId, role: 'contacts.manager' })).roles, []);
    await rejection(update(), grpc.status.PERMISSION_DENIED);
  });
});
