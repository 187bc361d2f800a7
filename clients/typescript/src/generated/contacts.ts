import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Affiliation as _contacts_v1_Affiliation, Affiliation__Output as _contacts_v1_Affiliation__Output } from './contacts/v1/Affiliation';
import type { Company as _contacts_v1_Company, Company__Output as _contacts_v1_Company__Output } from './contacts/v1/Company';
import type { ContactsServiceClient as _contacts_v1_ContactsServiceClient, ContactsServiceDefinition as _contacts_v1_ContactsServiceDefinition } from './contacts/v1/ContactsService';
import type { CreateAffiliationRequest as _contacts_v1_CreateAffiliationRequest, CreateAffiliationRequest__Output as _contacts_v1_CreateAffiliationRequest__Output } from './contacts/v1/CreateAffiliationRequest';
import type { CreateCompanyRequest as _contacts_v1_CreateCompanyRequest, CreateCompanyRequest__Output as _contacts_v1_CreateCompanyRequest__Output } from './contacts/v1/CreateCompanyRequest';
import type { CreatePersonRequest as _contacts_v1_CreatePersonRequest, CreatePersonRequest__Output as _contacts_v1_CreatePersonRequest__Output } from './contacts/v1/CreatePersonRequest';
import type { Date as _contacts_v1_Date, Date__Output as _contacts_v1_Date__Output } from './contacts/v1/Date';
import type { DeleteAffiliationRequest as _contacts_v1_DeleteAffiliationRequest, DeleteAffiliationRequest__Output as _contacts_v1_DeleteAffiliationRequest__Output } from './contacts/v1/DeleteAffiliationRequest';
import type { DeleteCompanyRequest as _contacts_v1_DeleteCompanyRequest, DeleteCompanyRequest__Output as _contacts_v1_DeleteCompanyRequest__Output } from './contacts/v1/DeleteCompanyRequest';
import type { DeletePersonRequest as _contacts_v1_DeletePersonRequest, DeletePersonRequest__Output as _contacts_v1_DeletePersonRequest__Output } from './contacts/v1/DeletePersonRequest';
import type { EmailAddress as _contacts_v1_EmailAddress, EmailAddress__Output as _contacts_v1_EmailAddress__Output } from './contacts/v1/EmailAddress';
import type { GetAffiliationRequest as _contacts_v1_GetAffiliationRequest, GetAffiliationRequest__Output as _contacts_v1_GetAffiliationRequest__Output } from './contacts/v1/GetAffiliationRequest';
import type { GetCompanyRequest as _contacts_v1_GetCompanyRequest, GetCompanyRequest__Output as _contacts_v1_GetCompanyRequest__Output } from './contacts/v1/GetCompanyRequest';
import type { GetPersonRequest as _contacts_v1_GetPersonRequest, GetPersonRequest__Output as _contacts_v1_GetPersonRequest__Output } from './contacts/v1/GetPersonRequest';
import type { ListAffiliationsRequest as _contacts_v1_ListAffiliationsRequest, ListAffiliationsRequest__Output as _contacts_v1_ListAffiliationsRequest__Output } from './contacts/v1/ListAffiliationsRequest';
import type { ListAffiliationsResponse as _contacts_v1_ListAffiliationsResponse, ListAffiliationsResponse__Output as _contacts_v1_ListAffiliationsResponse__Output } from './contacts/v1/ListAffiliationsResponse';
import type { ListCompaniesRequest as _contacts_v1_ListCompaniesRequest, ListCompaniesRequest__Output as _contacts_v1_ListCompaniesRequest__Output } from './contacts/v1/ListCompaniesRequest';
import type { ListCompaniesResponse as _contacts_v1_ListCompaniesResponse, ListCompaniesResponse__Output as _contacts_v1_ListCompaniesResponse__Output } from './contacts/v1/ListCompaniesResponse';
import type { ListPeopleRequest as _contacts_v1_ListPeopleRequest, ListPeopleRequest__Output as _contacts_v1_ListPeopleRequest__Output } from './contacts/v1/ListPeopleRequest';
import type { ListPeopleResponse as _contacts_v1_ListPeopleResponse, ListPeopleResponse__Output as _contacts_v1_ListPeopleResponse__Output } from './contacts/v1/ListPeopleResponse';
import type { MergeCompaniesRequest as _contacts_v1_MergeCompaniesRequest, MergeCompaniesRequest__Output as _contacts_v1_MergeCompaniesRequest__Output } from './contacts/v1/MergeCompaniesRequest';
import type { MergePeopleRequest as _contacts_v1_MergePeopleRequest, MergePeopleRequest__Output as _contacts_v1_MergePeopleRequest__Output } from './contacts/v1/MergePeopleRequest';
import type { MergeSource as _contacts_v1_MergeSource, MergeSource__Output as _contacts_v1_MergeSource__Output } from './contacts/v1/MergeSource';
import type { Person as _contacts_v1_Person, Person__Output as _contacts_v1_Person__Output } from './contacts/v1/Person';
import type { PhoneNumber as _contacts_v1_PhoneNumber, PhoneNumber__Output as _contacts_v1_PhoneNumber__Output } from './contacts/v1/PhoneNumber';
import type { PostalAddress as _contacts_v1_PostalAddress, PostalAddress__Output as _contacts_v1_PostalAddress__Output } from './contacts/v1/PostalAddress';
import type { SearchPeopleRequest as _contacts_v1_SearchPeopleRequest, SearchPeopleRequest__Output as _contacts_v1_SearchPeopleRequest__Output } from './contacts/v1/SearchPeopleRequest';
import type { SearchPeopleResponse as _contacts_v1_SearchPeopleResponse, SearchPeopleResponse__Output as _contacts_v1_SearchPeopleResponse__Output } from './contacts/v1/SearchPeopleResponse';
import type { UndeleteCompanyRequest as _contacts_v1_UndeleteCompanyRequest, UndeleteCompanyRequest__Output as _contacts_v1_UndeleteCompanyRequest__Output } from './contacts/v1/UndeleteCompanyRequest';
import type { UndeletePersonRequest as _contacts_v1_UndeletePersonRequest, UndeletePersonRequest__Output as _contacts_v1_UndeletePersonRequest__Output } from './contacts/v1/UndeletePersonRequest';
import type { UpdateAffiliationRequest as _contacts_v1_UpdateAffiliationRequest, UpdateAffiliationRequest__Output as _contacts_v1_UpdateAffiliationRequest__Output } from './contacts/v1/UpdateAffiliationRequest';
import type { UpdateCompanyRequest as _contacts_v1_UpdateCompanyRequest, UpdateCompanyRequest__Output as _contacts_v1_UpdateCompanyRequest__Output } from './contacts/v1/UpdateCompanyRequest';
import type { UpdatePersonRequest as _contacts_v1_UpdatePersonRequest, UpdatePersonRequest__Output as _contacts_v1_UpdatePersonRequest__Output } from './contacts/v1/UpdatePersonRequest';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from './google/protobuf/Empty';
import type { FieldMask as _google_protobuf_FieldMask, FieldMask__Output as _google_protobuf_FieldMask__Output } from './google/protobuf/FieldMask';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  contacts: {
    v1: {
      Affiliation: MessageTypeDefinition<_contacts_v1_Affiliation, _contacts_v1_Affiliation__Output>
      Company: MessageTypeDefinition<_contacts_v1_Company, _contacts_v1_Company__Output>
      ContactsService: SubtypeConstructor<typeof grpc.Client, _contacts_v1_ContactsServiceClient> & { service: _contacts_v1_ContactsServiceDefinition }
      CreateAffiliationRequest: MessageTypeDefinition<_contacts_v1_CreateAffiliationRequest, _contacts_v1_CreateAffiliationRequest__Output>
      CreateCompanyRequest: MessageTypeDefinition<_contacts_v1_CreateCompanyRequest, _contacts_v1_CreateCompanyRequest__Output>
      CreatePersonRequest: MessageTypeDefinition<_contacts_v1_CreatePersonRequest, _contacts_v1_CreatePersonRequest__Output>
      Date: MessageTypeDefinition<_contacts_v1_Date, _contacts_v1_Date__Output>
      DeleteAffiliationRequest: MessageTypeDefinition<_contacts_v1_DeleteAffiliationRequest, _contacts_v1_DeleteAffiliationRequest__Output>
      DeleteCompanyRequest: MessageTypeDefinition<_contacts_v1_DeleteCompanyRequest, _contacts_v1_DeleteCompanyRequest__Output>
      DeletePersonRequest: MessageTypeDefinition<_contacts_v1_DeletePersonRequest, _contacts_v1_DeletePersonRequest__Output>
      EmailAddress: MessageTypeDefinition<_contacts_v1_EmailAddress, _contacts_v1_EmailAddress__Output>
      GetAffiliationRequest: MessageTypeDefinition<_contacts_v1_GetAffiliationRequest, _contacts_v1_GetAffiliationRequest__Output>
      GetCompanyRequest: MessageTypeDefinition<_contacts_v1_GetCompanyRequest, _contacts_v1_GetCompanyRequest__Output>
      GetPersonRequest: MessageTypeDefinition<_contacts_v1_GetPersonRequest, _contacts_v1_GetPersonRequest__Output>
      ListAffiliationsRequest: MessageTypeDefinition<_contacts_v1_ListAffiliationsRequest, _contacts_v1_ListAffiliationsRequest__Output>
      ListAffiliationsResponse: MessageTypeDefinition<_contacts_v1_ListAffiliationsResponse, _contacts_v1_ListAffiliationsResponse__Output>
      ListCompaniesRequest: MessageTypeDefinition<_contacts_v1_ListCompaniesRequest, _contacts_v1_ListCompaniesRequest__Output>
      ListCompaniesResponse: MessageTypeDefinition<_contacts_v1_ListCompaniesResponse, _contacts_v1_ListCompaniesResponse__Output>
      ListPeopleRequest: MessageTypeDefinition<_contacts_v1_ListPeopleRequest, _contacts_v1_ListPeopleRequest__Output>
      ListPeopleResponse: MessageTypeDefinition<_contacts_v1_ListPeopleResponse, _contacts_v1_ListPeopleResponse__Output>
      MergeCompaniesRequest: MessageTypeDefinition<_contacts_v1_MergeCompaniesRequest, _contacts_v1_MergeCompaniesRequest__Output>
      MergePeopleRequest: MessageTypeDefinition<_contacts_v1_MergePeopleRequest, _contacts_v1_MergePeopleRequest__Output>
      MergeSource: MessageTypeDefinition<_contacts_v1_MergeSource, _contacts_v1_MergeSource__Output>
      Person: MessageTypeDefinition<_contacts_v1_Person, _contacts_v1_Person__Output>
      PhoneNumber: MessageTypeDefinition<_contacts_v1_PhoneNumber, _contacts_v1_PhoneNumber__Output>
      PostalAddress: MessageTypeDefinition<_contacts_v1_PostalAddress, _contacts_v1_PostalAddress__Output>
      SearchPeopleRequest: MessageTypeDefinition<_contacts_v1_SearchPeopleRequest, _contacts_v1_SearchPeopleRequest__Output>
      SearchPeopleResponse: MessageTypeDefinition<_contacts_v1_SearchPeopleResponse, _contacts_v1_SearchPeopleResponse__Output>
      UndeleteCompanyRequest: MessageTypeDefinition<_contacts_v1_UndeleteCompanyRequest, _contacts_v1_UndeleteCompanyRequest__Output>
      UndeletePersonRequest: MessageTypeDefinition<_contacts_v1_UndeletePersonRequest, _contacts_v1_UndeletePersonRequest__Output>
      UpdateAffiliationRequest: MessageTypeDefinition<_contacts_v1_UpdateAffiliationRequest, _contacts_v1_UpdateAffiliationRequest__Output>
      UpdateCompanyRequest: MessageTypeDefinition<_contacts_v1_UpdateCompanyRequest, _contacts_v1_UpdateCompanyRequest__Output>
      UpdatePersonRequest: MessageTypeDefinition<_contacts_v1_UpdatePersonRequest, _contacts_v1_UpdatePersonRequest__Output>
    }
  }
  google: {
    protobuf: {
      Empty: MessageTypeDefinition<_google_protobuf_Empty, _google_protobuf_Empty__Output>
      FieldMask: MessageTypeDefinition<_google_protobuf_FieldMask, _google_protobuf_FieldMask__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

