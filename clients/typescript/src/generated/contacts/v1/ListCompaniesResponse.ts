// Original file: ../../protos/contacts/v1/contacts.proto

import type { Company as _contacts_v1_Company, Company__Output as _contacts_v1_Company__Output } from '../../contacts/v1/Company';

export interface ListCompaniesResponse {
  'companies'?: (_contacts_v1_Company)[];
  'nextPageToken'?: (string);
}

export interface ListCompaniesResponse__Output {
  'companies': (_contacts_v1_Company__Output)[];
  'nextPageToken': (string);
}
