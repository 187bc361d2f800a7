// contacts.v1.ContactsService.
import { ServiceClient, type CallOptions, type Connection } from './call';
import type { Affiliation__Output as Affiliation } from './generated/contacts/v1/Affiliation';
import type { Company__Output as Company } from './generated/contacts/v1/Company';
import type { CreateAffiliationRequest } from './generated/contacts/v1/CreateAffiliationRequest';
import type { CreateCompanyRequest } from './generated/contacts/v1/CreateCompanyRequest';
import type { CreatePersonRequest } from './generated/contacts/v1/CreatePersonRequest';
import type { DeleteAffiliationRequest } from './generated/contacts/v1/DeleteAffiliationRequest';
import type { DeleteCompanyRequest } from './generated/contacts/v1/DeleteCompanyRequest';
import type { DeletePersonRequest } from './generated/contacts/v1/DeletePersonRequest';
import type { GetAffiliationRequest } from './generated/contacts/v1/GetAffiliationRequest';
import type { GetCompanyRequest } from './generated/contacts/v1/GetCompanyRequest';
import type { GetPersonRequest } from './generated/contacts/v1/GetPersonRequest';
import type { ListAffiliationsRequest } from './generated/contacts/v1/ListAffiliationsRequest';
import type { ListAffiliationsResponse__Output as ListAffiliationsResponse } from './generated/contacts/v1/ListAffiliationsResponse';
import type { ListCompaniesRequest } from './generated/contacts/v1/ListCompaniesRequest';
import type { ListCompaniesResponse__Output as ListCompaniesResponse } from './generated/contacts/v1/ListCompaniesResponse';
import type { ListPeopleRequest } from './generated/contacts/v1/ListPeopleRequest';
import type { ListPeopleResponse__Output as ListPeopleResponse } from './generated/contacts/v1/ListPeopleResponse';
import type { MergeCompaniesRequest } from './generated/contacts/v1/MergeCompaniesRequest';
import type { MergePeopleRequest } from './generated/contacts/v1/MergePeopleRequest';
import type { Person__Output as Person } from './generated/contacts/v1/Person';
import type { SearchPeopleRequest } from './generated/contacts/v1/SearchPeopleRequest';
import type { SearchPeopleResponse__Output as SearchPeopleResponse } from './generated/contacts/v1/SearchPeopleResponse';
import type { UndeleteCompanyRequest } from './generated/contacts/v1/UndeleteCompanyRequest';
import type { UndeletePersonRequest } from './generated/contacts/v1/UndeletePersonRequest';
import type { UpdateAffiliationRequest } from './generated/contacts/v1/UpdateAffiliationRequest';
import type { UpdateCompanyRequest } from './generated/contacts/v1/UpdateCompanyRequest';
import type { UpdatePersonRequest } from './generated/contacts/v1/UpdatePersonRequest';
import type { Empty__Output as Empty } from './generated/google/protobuf/Empty';

/**
 * contacts.v1.ContactsService: companies, people and their affiliations.
 * Deletes are soft (AIP-164): DeleteCompany and DeletePerson return the
 * resource with its deleteTime and expireTime set.
 */
export class ContactsClient extends ServiceClient {
  /** @internal Made by CrmClient. */
  constructor(connection: Connection) {
    super(connection, 'contacts.v1.ContactsService');
  }

  getCompany(request: GetCompanyRequest, options?: CallOptions): Promise<Company> {
    return this.unary('GetCompany', request, options);
  }

  listCompanies(request: ListCompaniesRequest = {}, options?: CallOptions): Promise<ListCompaniesResponse> {
    return this.unary('ListCompanies', request, options);
  }

  /** Every company matching the request, page after page. */
  listAllCompanies(request: Omit<ListCompaniesRequest, 'pageToken'> = {}, options?: CallOptions): AsyncGenerator<Company> {
    return this.pages(this.listCompanies, (page) => page.companies, request, options);
  }

  createCompany(request: CreateCompanyRequest, options?: CallOptions): Promise<Company> {
    return this.unary('CreateCompany', request, options);
  }

  updateCompany(request: UpdateCompanyRequest, options?: CallOptions): Promise<Company> {
    return this.unary('UpdateCompany', request, options);
  }

  deleteCompany(request: DeleteCompanyRequest, options?: CallOptions): Promise<Company> {
    return this.unary('DeleteCompany', request, options);
  }

  undeleteCompany(request: UndeleteCompanyRequest, options?: CallOptions): Promise<Company> {
    return this.unary('UndeleteCompany', request, options);
  }

  mergeCompanies(request: MergeCompaniesRequest, options?: CallOptions): Promise<Company> {
    return this.unary('MergeCompanies', request, options);
  }

  getPerson(request: GetPersonRequest, options?: CallOptions): Promise<Person> {
    return this.unary('GetPerson', request, options);
  }

  listPeople(request: ListPeopleRequest = {}, options?: CallOptions): Promise<ListPeopleResponse> {
    return this.unary('ListPeople', request, options);
  }

  /** Every person matching the request, page after page. */
  listAllPeople(request: Omit<ListPeopleRequest, 'pageToken'> = {}, options?: CallOptions): AsyncGenerator<Person> {
    return this.pages(this.listPeople, (page) => page.people, request, options);
  }

  createPerson(request: CreatePersonRequest, options?: CallOptions): Promise<Person> {
    return this.unary('CreatePerson', request, options);
  }

  updatePerson(request: UpdatePersonRequest, options?: CallOptions): Promise<Person> {
    return this.unary('UpdatePerson', request, options);
  }

  deletePerson(request: DeletePersonRequest, options?: CallOptions): Promise<Person> {
    return this.unary('DeletePerson', request, options);
  }

  undeletePerson(request: UndeletePersonRequest, options?: CallOptions): Promise<Person> {
    return this.unary('UndeletePerson', request, options);
  }

  mergePeople(request: MergePeopleRequest, options?: CallOptions): Promise<Person> {
    return this.unary('MergePeople', request, options);
  }

  searchPeople(request: SearchPeopleRequest, options?: CallOptions): Promise<SearchPeopleResponse> {
    return this.unary('SearchPeople', request, options);
  }

  /** Every person matching the query, page after page. */
  searchAllPeople(request: Omit<SearchPeopleRequest, 'pageToken'>, options?: CallOptions): AsyncGenerator<Person> {
    return this.pages(this.searchPeople, (page) => page.people, request, options);
  }

  getAffiliation(request: GetAffiliationRequest, options?: CallOptions): Promise<Affiliation> {
    return this.unary('GetAffiliation', request, options);
  }

  listAffiliations(request: ListAffiliationsRequest = {}, options?: CallOptions): Promise<ListAffiliationsResponse> {
    return this.unary('ListAffiliations', request, options);
  }

  /** Every affiliation matching the request, page after page. */
  listAllAffiliations(request: Omit<ListAffiliationsRequest, 'pageToken'> = {}, options?: CallOptions): AsyncGenerator<Affiliation> {
    return this.pages(this.listAffiliations, (page) => page.affiliations, request, options);
  }

  createAffiliation(request: CreateAffiliationRequest, options?: CallOptions): Promise<Affiliation> {
    return this.unary('CreateAffiliation', request, options);
  }

  updateAffiliation(request: UpdateAffiliationRequest, options?: CallOptions): Promise<Affiliation> {
    return this.unary('UpdateAffiliation', request, options);
  }

  deleteAffiliation(request: DeleteAffiliationRequest, options?: CallOptions): Promise<Empty> {
    return this.unary('DeleteAffiliation', request, options);
  }
}
