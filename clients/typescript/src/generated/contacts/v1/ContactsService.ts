// Original file: ../../protos/contacts/v1/contacts.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Affiliation as _contacts_v1_Affiliation, Affiliation__Output as _contacts_v1_Affiliation__Output } from '../../contacts/v1/Affiliation';
import type { Company as _contacts_v1_Company, Company__Output as _contacts_v1_Company__Output } from '../../contacts/v1/Company';
import type { CreateAffiliationRequest as _contacts_v1_CreateAffiliationRequest, CreateAffiliationRequest__Output as _contacts_v1_CreateAffiliationRequest__Output } from '../../contacts/v1/CreateAffiliationRequest';
import type { CreateCompanyRequest as _contacts_v1_CreateCompanyRequest, CreateCompanyRequest__Output as _contacts_v1_CreateCompanyRequest__Output } from '../../contacts/v1/CreateCompanyRequest';
import type { CreatePersonRequest as _contacts_v1_CreatePersonRequest, CreatePersonRequest__Output as _contacts_v1_CreatePersonRequest__Output } from '../../contacts/v1/CreatePersonRequest';
import type { DeleteAffiliationRequest as _contacts_v1_DeleteAffiliationRequest, DeleteAffiliationRequest__Output as _contacts_v1_DeleteAffiliationRequest__Output } from '../../contacts/v1/DeleteAffiliationRequest';
import type { DeleteCompanyRequest as _contacts_v1_DeleteCompanyRequest, DeleteCompanyRequest__Output as _contacts_v1_DeleteCompanyRequest__Output } from '../../contacts/v1/DeleteCompanyRequest';
import type { DeletePersonRequest as _contacts_v1_DeletePersonRequest, DeletePersonRequest__Output as _contacts_v1_DeletePersonRequest__Output } from '../../contacts/v1/DeletePersonRequest';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../google/protobuf/Empty';
import type { GetAffiliationRequest as _contacts_v1_GetAffiliationRequest, GetAffiliationRequest__Output as _contacts_v1_GetAffiliationRequest__Output } from '../../contacts/v1/GetAffiliationRequest';
import type { GetCompanyRequest as _contacts_v1_GetCompanyRequest, GetCompanyRequest__Output as _contacts_v1_GetCompanyRequest__Output } from '../../contacts/v1/GetCompanyRequest';
import type { GetPersonRequest as _contacts_v1_GetPersonRequest, GetPersonRequest__Output as _contacts_v1_GetPersonRequest__Output } from '../../contacts/v1/GetPersonRequest';
import type { ListAffiliationsRequest as _contacts_v1_ListAffiliationsRequest, ListAffiliationsRequest__Output as _contacts_v1_ListAffiliationsRequest__Output } from '../../contacts/v1/ListAffiliationsRequest';
import type { ListAffiliationsResponse as _contacts_v1_ListAffiliationsResponse, ListAffiliationsResponse__Output as _contacts_v1_ListAffiliationsResponse__Output } from '../../contacts/v1/ListAffiliationsResponse';
import type { ListCompaniesRequest as _contacts_v1_ListCompaniesRequest, ListCompaniesRequest__Output as _contacts_v1_ListCompaniesRequest__Output } from '../../contacts/v1/ListCompaniesRequest';
import type { ListCompaniesResponse as _contacts_v1_ListCompaniesResponse, ListCompaniesResponse__Output as _contacts_v1_ListCompaniesResponse__Output } from '../../contacts/v1/ListCompaniesResponse';
import type { ListPeopleRequest as _contacts_v1_ListPeopleRequest, ListPeopleRequest__Output as _contacts_v1_ListPeopleRequest__Output } from '../../contacts/v1/ListPeopleRequest';
import type { ListPeopleResponse as _contacts_v1_ListPeopleResponse, ListPeopleResponse__Output as _contacts_v1_ListPeopleResponse__Output } from '../../contacts/v1/ListPeopleResponse';
import type { MergeCompaniesRequest as _contacts_v1_MergeCompaniesRequest, MergeCompaniesRequest__Output as _contacts_v1_MergeCompaniesRequest__Output } from '../../contacts/v1/MergeCompaniesRequest';
import type { MergePeopleRequest as _contacts_v1_MergePeopleRequest, MergePeopleRequest__Output as _contacts_v1_MergePeopleRequest__Output } from '../../contacts/v1/MergePeopleRequest';
import type { Person as _contacts_v1_Person, Person__Output as _contacts_v1_Person__Output } from '../../contacts/v1/Person';
import type { SearchPeopleRequest as _contacts_v1_SearchPeopleRequest, SearchPeopleRequest__Output as _contacts_v1_SearchPeopleRequest__Output } from '../../contacts/v1/SearchPeopleRequest';
import type { SearchPeopleResponse as _contacts_v1_SearchPeopleResponse, SearchPeopleResponse__Output as _contacts_v1_SearchPeopleResponse__Output } from '../../contacts/v1/SearchPeopleResponse';
import type { UndeleteCompanyRequest as _contacts_v1_UndeleteCompanyRequest, UndeleteCompanyRequest__Output as _contacts_v1_UndeleteCompanyRequest__Output } from '../../contacts/v1/UndeleteCompanyRequest';
import type { UndeletePersonRequest as _contacts_v1_UndeletePersonRequest, UndeletePersonRequest__Output as _contacts_v1_UndeletePersonRequest__Output } from '../../contacts/v1/UndeletePersonRequest';
import type { UpdateAffiliationRequest as _contacts_v1_UpdateAffiliationRequest, UpdateAffiliationRequest__Output as _contacts_v1_UpdateAffiliationRequest__Output } from '../../contacts/v1/UpdateAffiliationRequest';
import type { UpdateCompanyRequest as _contacts_v1_UpdateCompanyRequest, UpdateCompanyRequest__Output as _contacts_v1_UpdateCompanyRequest__Output } from '../../contacts/v1/UpdateCompanyRequest';
import type { UpdatePersonRequest as _contacts_v1_UpdatePersonRequest, UpdatePersonRequest__Output as _contacts_v1_UpdatePersonRequest__Output } from '../../contacts/v1/UpdatePersonRequest';

export interface ContactsServiceClient extends grpc.Client {
  CreateAffiliation(argument: _contacts_v1_CreateAffiliationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  CreateAffiliation(argument: _contacts_v1_CreateAffiliationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  CreateAffiliation(argument: _contacts_v1_CreateAffiliationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  CreateAffiliation(argument: _contacts_v1_CreateAffiliationRequest, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  createAffiliation(argument: _contacts_v1_CreateAffiliationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  createAffiliation(argument: _contacts_v1_CreateAffiliationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  createAffiliation(argument: _contacts_v1_CreateAffiliationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  createAffiliation(argument: _contacts_v1_CreateAffiliationRequest, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  
  CreateCompany(argument: _contacts_v1_CreateCompanyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  CreateCompany(argument: _contacts_v1_CreateCompanyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  CreateCompany(argument: _contacts_v1_CreateCompanyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  CreateCompany(argument: _contacts_v1_CreateCompanyRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  createCompany(argument: _contacts_v1_CreateCompanyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  createCompany(argument: _contacts_v1_CreateCompanyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  createCompany(argument: _contacts_v1_CreateCompanyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  createCompany(argument: _contacts_v1_CreateCompanyRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  
  CreatePerson(argument: _contacts_v1_CreatePersonRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  CreatePerson(argument: _contacts_v1_CreatePersonRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  CreatePerson(argument: _contacts_v1_CreatePersonRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  CreatePerson(argument: _contacts_v1_CreatePersonRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  createPerson(argument: _contacts_v1_CreatePersonRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  createPerson(argument: _contacts_v1_CreatePersonRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  createPerson(argument: _contacts_v1_CreatePersonRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  createPerson(argument: _contacts_v1_CreatePersonRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  
  DeleteAffiliation(argument: _contacts_v1_DeleteAffiliationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAffiliation(argument: _contacts_v1_DeleteAffiliationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAffiliation(argument: _contacts_v1_DeleteAffiliationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAffiliation(argument: _contacts_v1_DeleteAffiliationRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAffiliation(argument: _contacts_v1_DeleteAffiliationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAffiliation(argument: _contacts_v1_DeleteAffiliationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAffiliation(argument: _contacts_v1_DeleteAffiliationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAffiliation(argument: _contacts_v1_DeleteAffiliationRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  /**
   * Soft delete (AIP-164): the company is kept, marked, until its expire_time.
   */
  DeleteCompany(argument: _contacts_v1_DeleteCompanyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  DeleteCompany(argument: _contacts_v1_DeleteCompanyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  DeleteCompany(argument: _contacts_v1_DeleteCompanyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  DeleteCompany(argument: _contacts_v1_DeleteCompanyRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  /**
   * Soft delete (AIP-164): the company is kept, marked, until its expire_time.
   */
  deleteCompany(argument: _contacts_v1_DeleteCompanyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  deleteCompany(argument: _contacts_v1_DeleteCompanyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  deleteCompany(argument: _contacts_v1_DeleteCompanyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  deleteCompany(argument: _contacts_v1_DeleteCompanyRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  
  DeletePerson(argument: _contacts_v1_DeletePersonRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  DeletePerson(argument: _contacts_v1_DeletePersonRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  DeletePerson(argument: _contacts_v1_DeletePersonRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  DeletePerson(argument: _contacts_v1_DeletePersonRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  deletePerson(argument: _contacts_v1_DeletePersonRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  deletePerson(argument: _contacts_v1_DeletePersonRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  deletePerson(argument: _contacts_v1_DeletePersonRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  deletePerson(argument: _contacts_v1_DeletePersonRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  
  GetAffiliation(argument: _contacts_v1_GetAffiliationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  GetAffiliation(argument: _contacts_v1_GetAffiliationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  GetAffiliation(argument: _contacts_v1_GetAffiliationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  GetAffiliation(argument: _contacts_v1_GetAffiliationRequest, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  getAffiliation(argument: _contacts_v1_GetAffiliationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  getAffiliation(argument: _contacts_v1_GetAffiliationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  getAffiliation(argument: _contacts_v1_GetAffiliationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  getAffiliation(argument: _contacts_v1_GetAffiliationRequest, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  
  GetCompany(argument: _contacts_v1_GetCompanyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  GetCompany(argument: _contacts_v1_GetCompanyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  GetCompany(argument: _contacts_v1_GetCompanyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  GetCompany(argument: _contacts_v1_GetCompanyRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  getCompany(argument: _contacts_v1_GetCompanyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  getCompany(argument: _contacts_v1_GetCompanyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  getCompany(argument: _contacts_v1_GetCompanyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  getCompany(argument: _contacts_v1_GetCompanyRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  
  GetPerson(argument: _contacts_v1_GetPersonRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  GetPerson(argument: _contacts_v1_GetPersonRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  GetPerson(argument: _contacts_v1_GetPersonRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  GetPerson(argument: _contacts_v1_GetPersonRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  getPerson(argument: _contacts_v1_GetPersonRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  getPerson(argument: _contacts_v1_GetPersonRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  getPerson(argument: _contacts_v1_GetPersonRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  getPerson(argument: _contacts_v1_GetPersonRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  
  ListAffiliations(argument: _contacts_v1_ListAffiliationsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListAffiliationsResponse__Output>): grpc.ClientUnaryCall;
  ListAffiliations(argument: _contacts_v1_ListAffiliationsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_ListAffiliationsResponse__Output>): grpc.ClientUnaryCall;
  ListAffiliations(argument: _contacts_v1_ListAffiliationsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListAffiliationsResponse__Output>): grpc.ClientUnaryCall;
  ListAffiliations(argument: _contacts_v1_ListAffiliationsRequest, callback: grpc.requestCallback<_contacts_v1_ListAffiliationsResponse__Output>): grpc.ClientUnaryCall;
  listAffiliations(argument: _contacts_v1_ListAffiliationsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListAffiliationsResponse__Output>): grpc.ClientUnaryCall;
  listAffiliations(argument: _contacts_v1_ListAffiliationsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_ListAffiliationsResponse__Output>): grpc.ClientUnaryCall;
  listAffiliations(argument: _contacts_v1_ListAffiliationsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListAffiliationsResponse__Output>): grpc.ClientUnaryCall;
  listAffiliations(argument: _contacts_v1_ListAffiliationsRequest, callback: grpc.requestCallback<_contacts_v1_ListAffiliationsResponse__Output>): grpc.ClientUnaryCall;
  
  ListCompanies(argument: _contacts_v1_ListCompaniesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListCompaniesResponse__Output>): grpc.ClientUnaryCall;
  ListCompanies(argument: _contacts_v1_ListCompaniesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_ListCompaniesResponse__Output>): grpc.ClientUnaryCall;
  ListCompanies(argument: _contacts_v1_ListCompaniesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListCompaniesResponse__Output>): grpc.ClientUnaryCall;
  ListCompanies(argument: _contacts_v1_ListCompaniesRequest, callback: grpc.requestCallback<_contacts_v1_ListCompaniesResponse__Output>): grpc.ClientUnaryCall;
  listCompanies(argument: _contacts_v1_ListCompaniesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListCompaniesResponse__Output>): grpc.ClientUnaryCall;
  listCompanies(argument: _contacts_v1_ListCompaniesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_ListCompaniesResponse__Output>): grpc.ClientUnaryCall;
  listCompanies(argument: _contacts_v1_ListCompaniesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListCompaniesResponse__Output>): grpc.ClientUnaryCall;
  listCompanies(argument: _contacts_v1_ListCompaniesRequest, callback: grpc.requestCallback<_contacts_v1_ListCompaniesResponse__Output>): grpc.ClientUnaryCall;
  
  ListPeople(argument: _contacts_v1_ListPeopleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListPeopleResponse__Output>): grpc.ClientUnaryCall;
  ListPeople(argument: _contacts_v1_ListPeopleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_ListPeopleResponse__Output>): grpc.ClientUnaryCall;
  ListPeople(argument: _contacts_v1_ListPeopleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListPeopleResponse__Output>): grpc.ClientUnaryCall;
  ListPeople(argument: _contacts_v1_ListPeopleRequest, callback: grpc.requestCallback<_contacts_v1_ListPeopleResponse__Output>): grpc.ClientUnaryCall;
  listPeople(argument: _contacts_v1_ListPeopleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListPeopleResponse__Output>): grpc.ClientUnaryCall;
  listPeople(argument: _contacts_v1_ListPeopleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_ListPeopleResponse__Output>): grpc.ClientUnaryCall;
  listPeople(argument: _contacts_v1_ListPeopleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_ListPeopleResponse__Output>): grpc.ClientUnaryCall;
  listPeople(argument: _contacts_v1_ListPeopleRequest, callback: grpc.requestCallback<_contacts_v1_ListPeopleResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Keeps the target; moves the sources' people and affiliations to it and
   * fills its empty fields from them; then deletes the sources.
   */
  MergeCompanies(argument: _contacts_v1_MergeCompaniesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  MergeCompanies(argument: _contacts_v1_MergeCompaniesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  MergeCompanies(argument: _contacts_v1_MergeCompaniesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  MergeCompanies(argument: _contacts_v1_MergeCompaniesRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  /**
   * Keeps the target; moves the sources' people and affiliations to it and
   * fills its empty fields from them; then deletes the sources.
   */
  mergeCompanies(argument: _contacts_v1_MergeCompaniesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  mergeCompanies(argument: _contacts_v1_MergeCompaniesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  mergeCompanies(argument: _contacts_v1_MergeCompaniesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  mergeCompanies(argument: _contacts_v1_MergeCompaniesRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  
  /**
   * Keeps the target; moves the sources' emails, phones, affiliations and
   * labels to it; then deletes the sources.
   */
  MergePeople(argument: _contacts_v1_MergePeopleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  MergePeople(argument: _contacts_v1_MergePeopleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  MergePeople(argument: _contacts_v1_MergePeopleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  MergePeople(argument: _contacts_v1_MergePeopleRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  /**
   * Keeps the target; moves the sources' emails, phones, affiliations and
   * labels to it; then deletes the sources.
   */
  mergePeople(argument: _contacts_v1_MergePeopleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  mergePeople(argument: _contacts_v1_MergePeopleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  mergePeople(argument: _contacts_v1_MergePeopleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  mergePeople(argument: _contacts_v1_MergePeopleRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  
  /**
   * People whose name, email or company name contains the query.
   */
  SearchPeople(argument: _contacts_v1_SearchPeopleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_SearchPeopleResponse__Output>): grpc.ClientUnaryCall;
  SearchPeople(argument: _contacts_v1_SearchPeopleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_SearchPeopleResponse__Output>): grpc.ClientUnaryCall;
  SearchPeople(argument: _contacts_v1_SearchPeopleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_SearchPeopleResponse__Output>): grpc.ClientUnaryCall;
  SearchPeople(argument: _contacts_v1_SearchPeopleRequest, callback: grpc.requestCallback<_contacts_v1_SearchPeopleResponse__Output>): grpc.ClientUnaryCall;
  /**
   * People whose name, email or company name contains the query.
   */
  searchPeople(argument: _contacts_v1_SearchPeopleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_SearchPeopleResponse__Output>): grpc.ClientUnaryCall;
  searchPeople(argument: _contacts_v1_SearchPeopleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_SearchPeopleResponse__Output>): grpc.ClientUnaryCall;
  searchPeople(argument: _contacts_v1_SearchPeopleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_SearchPeopleResponse__Output>): grpc.ClientUnaryCall;
  searchPeople(argument: _contacts_v1_SearchPeopleRequest, callback: grpc.requestCallback<_contacts_v1_SearchPeopleResponse__Output>): grpc.ClientUnaryCall;
  
  UndeleteCompany(argument: _contacts_v1_UndeleteCompanyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  UndeleteCompany(argument: _contacts_v1_UndeleteCompanyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  UndeleteCompany(argument: _contacts_v1_UndeleteCompanyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  UndeleteCompany(argument: _contacts_v1_UndeleteCompanyRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  undeleteCompany(argument: _contacts_v1_UndeleteCompanyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  undeleteCompany(argument: _contacts_v1_UndeleteCompanyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  undeleteCompany(argument: _contacts_v1_UndeleteCompanyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  undeleteCompany(argument: _contacts_v1_UndeleteCompanyRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  
  UndeletePerson(argument: _contacts_v1_UndeletePersonRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  UndeletePerson(argument: _contacts_v1_UndeletePersonRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  UndeletePerson(argument: _contacts_v1_UndeletePersonRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  UndeletePerson(argument: _contacts_v1_UndeletePersonRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  undeletePerson(argument: _contacts_v1_UndeletePersonRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  undeletePerson(argument: _contacts_v1_UndeletePersonRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  undeletePerson(argument: _contacts_v1_UndeletePersonRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  undeletePerson(argument: _contacts_v1_UndeletePersonRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  
  UpdateAffiliation(argument: _contacts_v1_UpdateAffiliationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  UpdateAffiliation(argument: _contacts_v1_UpdateAffiliationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  UpdateAffiliation(argument: _contacts_v1_UpdateAffiliationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  UpdateAffiliation(argument: _contacts_v1_UpdateAffiliationRequest, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  updateAffiliation(argument: _contacts_v1_UpdateAffiliationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  updateAffiliation(argument: _contacts_v1_UpdateAffiliationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  updateAffiliation(argument: _contacts_v1_UpdateAffiliationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  updateAffiliation(argument: _contacts_v1_UpdateAffiliationRequest, callback: grpc.requestCallback<_contacts_v1_Affiliation__Output>): grpc.ClientUnaryCall;
  
  UpdateCompany(argument: _contacts_v1_UpdateCompanyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  UpdateCompany(argument: _contacts_v1_UpdateCompanyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  UpdateCompany(argument: _contacts_v1_UpdateCompanyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  UpdateCompany(argument: _contacts_v1_UpdateCompanyRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  updateCompany(argument: _contacts_v1_UpdateCompanyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  updateCompany(argument: _contacts_v1_UpdateCompanyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  updateCompany(argument: _contacts_v1_UpdateCompanyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  updateCompany(argument: _contacts_v1_UpdateCompanyRequest, callback: grpc.requestCallback<_contacts_v1_Company__Output>): grpc.ClientUnaryCall;
  
  UpdatePerson(argument: _contacts_v1_UpdatePersonRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  UpdatePerson(argument: _contacts_v1_UpdatePersonRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  UpdatePerson(argument: _contacts_v1_UpdatePersonRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  UpdatePerson(argument: _contacts_v1_UpdatePersonRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  updatePerson(argument: _contacts_v1_UpdatePersonRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  updatePerson(argument: _contacts_v1_UpdatePersonRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  updatePerson(argument: _contacts_v1_UpdatePersonRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  updatePerson(argument: _contacts_v1_UpdatePersonRequest, callback: grpc.requestCallback<_contacts_v1_Person__Output>): grpc.ClientUnaryCall;
  
}

export interface ContactsServiceHandlers extends grpc.UntypedServiceImplementation {
  CreateAffiliation: grpc.handleUnaryCall<_contacts_v1_CreateAffiliationRequest__Output, _contacts_v1_Affiliation>;
  
  CreateCompany: grpc.handleUnaryCall<_contacts_v1_CreateCompanyRequest__Output, _contacts_v1_Company>;
  
  CreatePerson: grpc.handleUnaryCall<_contacts_v1_CreatePersonRequest__Output, _contacts_v1_Person>;
  
  DeleteAffiliation: grpc.handleUnaryCall<_contacts_v1_DeleteAffiliationRequest__Output, _google_protobuf_Empty>;
  
  /**
   * Soft delete (AIP-164): the company is kept, marked, until its expire_time.
   */
  DeleteCompany: grpc.handleUnaryCall<_contacts_v1_DeleteCompanyRequest__Output, _contacts_v1_Company>;
  
  DeletePerson: grpc.handleUnaryCall<_contacts_v1_DeletePersonRequest__Output, _contacts_v1_Person>;
  
  GetAffiliation: grpc.handleUnaryCall<_contacts_v1_GetAffiliationRequest__Output, _contacts_v1_Affiliation>;
  
  GetCompany: grpc.handleUnaryCall<_contacts_v1_GetCompanyRequest__Output, _contacts_v1_Company>;
  
  GetPerson: grpc.handleUnaryCall<_contacts_v1_GetPersonRequest__Output, _contacts_v1_Person>;
  
  ListAffiliations: grpc.handleUnaryCall<_contacts_v1_ListAffiliationsRequest__Output, _contacts_v1_ListAffiliationsResponse>;
  
  ListCompanies: grpc.handleUnaryCall<_contacts_v1_ListCompaniesRequest__Output, _contacts_v1_ListCompaniesResponse>;
  
  ListPeople: grpc.handleUnaryCall<_contacts_v1_ListPeopleRequest__Output, _contacts_v1_ListPeopleResponse>;
  
  /**
   * Keeps the target; moves the sources' people and affiliations to it and
   * fills its empty fields from them; then deletes the sources.
   */
  MergeCompanies: grpc.handleUnaryCall<_contacts_v1_MergeCompaniesRequest__Output, _contacts_v1_Company>;
  
  /**
   * Keeps the target; moves the sources' emails, phones, affiliations and
   * labels to it; then deletes the sources.
   */
  MergePeople: grpc.handleUnaryCall<_contacts_v1_MergePeopleRequest__Output, _contacts_v1_Person>;
  
  /**
   * People whose name, email or company name contains the query.
   */
  SearchPeople: grpc.handleUnaryCall<_contacts_v1_SearchPeopleRequest__Output, _contacts_v1_SearchPeopleResponse>;
  
  UndeleteCompany: grpc.handleUnaryCall<_contacts_v1_UndeleteCompanyRequest__Output, _contacts_v1_Company>;
  
  UndeletePerson: grpc.handleUnaryCall<_contacts_v1_UndeletePersonRequest__Output, _contacts_v1_Person>;
  
  UpdateAffiliation: grpc.handleUnaryCall<_contacts_v1_UpdateAffiliationRequest__Output, _contacts_v1_Affiliation>;
  
  UpdateCompany: grpc.handleUnaryCall<_contacts_v1_UpdateCompanyRequest__Output, _contacts_v1_Company>;
  
  UpdatePerson: grpc.handleUnaryCall<_contacts_v1_UpdatePersonRequest__Output, _contacts_v1_Person>;
  
}

export interface ContactsServiceDefinition extends grpc.ServiceDefinition {
  CreateAffiliation: MethodDefinition<_contacts_v1_CreateAffiliationRequest, _contacts_v1_Affiliation, _contacts_v1_CreateAffiliationRequest__Output, _contacts_v1_Affiliation__Output>
  CreateCompany: MethodDefinition<_contacts_v1_CreateCompanyRequest, _contacts_v1_Company, _contacts_v1_CreateCompanyRequest__Output, _contacts_v1_Company__Output>
  CreatePerson: MethodDefinition<_contacts_v1_CreatePersonRequest, _contacts_v1_Person, _contacts_v1_CreatePersonRequest__Output, _contacts_v1_Person__Output>
  DeleteAffiliation: MethodDefinition<_contacts_v1_DeleteAffiliationRequest, _google_protobuf_Empty, _contacts_v1_DeleteAffiliationRequest__Output, _google_protobuf_Empty__Output>
  DeleteCompany: MethodDefinition<_contacts_v1_DeleteCompanyRequest, _contacts_v1_Company, _contacts_v1_DeleteCompanyRequest__Output, _contacts_v1_Company__Output>
  DeletePerson: MethodDefinition<_contacts_v1_DeletePersonRequest, _contacts_v1_Person, _contacts_v1_DeletePersonRequest__Output, _contacts_v1_Person__Output>
  GetAffiliation: MethodDefinition<_contacts_v1_GetAffiliationRequest, _contacts_v1_Affiliation, _contacts_v1_GetAffiliationRequest__Output, _contacts_v1_Affiliation__Output>
  GetCompany: MethodDefinition<_contacts_v1_GetCompanyRequest, _contacts_v1_Company, _contacts_v1_GetCompanyRequest__Output, _contacts_v1_Company__Output>
  GetPerson: MethodDefinition<_contacts_v1_GetPersonRequest, _contacts_v1_Person, _contacts_v1_GetPersonRequest__Output, _contacts_v1_Person__Output>
  ListAffiliations: MethodDefinition<_contacts_v1_ListAffiliationsRequest, _contacts_v1_ListAffiliationsResponse, _contacts_v1_ListAffiliationsRequest__Output, _contacts_v1_ListAffiliationsResponse__Output>
  ListCompanies: MethodDefinition<_contacts_v1_ListCompaniesRequest, _contacts_v1_ListCompaniesResponse, _contacts_v1_ListCompaniesRequest__Output, _contacts_v1_ListCompaniesResponse__Output>
  ListPeople: MethodDefinition<_contacts_v1_ListPeopleRequest, _contacts_v1_ListPeopleResponse, _contacts_v1_ListPeopleRequest__Output, _contacts_v1_ListPeopleResponse__Output>
  MergeCompanies: MethodDefinition<_contacts_v1_MergeCompaniesRequest, _contacts_v1_Company, _contacts_v1_MergeCompaniesRequest__Output, _contacts_v1_Company__Output>
  MergePeople: MethodDefinition<_contacts_v1_MergePeopleRequest, _contacts_v1_Person, _contacts_v1_MergePeopleRequest__Output, _contacts_v1_Person__Output>
  SearchPeople: MethodDefinition<_contacts_v1_SearchPeopleRequest, _contacts_v1_SearchPeopleResponse, _contacts_v1_SearchPeopleRequest__Output, _contacts_v1_SearchPeopleResponse__Output>
  UndeleteCompany: MethodDefinition<_contacts_v1_UndeleteCompanyRequest, _contacts_v1_Company, _contacts_v1_UndeleteCompanyRequest__Output, _contacts_v1_Company__Output>
  UndeletePerson: MethodDefinition<_contacts_v1_UndeletePersonRequest, _contacts_v1_Person, _contacts_v1_UndeletePersonRequest__Output, _contacts_v1_Person__Output>
  UpdateAffiliation: MethodDefinition<_contacts_v1_UpdateAffiliationRequest, _contacts_v1_Affiliation, _contacts_v1_UpdateAffiliationRequest__Output, _contacts_v1_Affiliation__Output>
  UpdateCompany: MethodDefinition<_contacts_v1_UpdateCompanyRequest, _contacts_v1_Company, _contacts_v1_UpdateCompanyRequest__Output, _contacts_v1_Company__Output>
  UpdatePerson: MethodDefinition<_contacts_v1_UpdatePersonRequest, _contacts_v1_Person, _contacts_v1_UpdatePersonRequest__Output, _contacts_v1_Person__Output>
}
