// Original file: ../../protos/contacts/v1/contacts.proto

import type { Company as _contacts_v1_Company, Company__Output as _contacts_v1_Company__Output } from '../../contacts/v1/Company';

export interface CreateCompanyRequest {
  'company'?: (_contacts_v1_Company | null);
  'requestId'?: (string);
}

export interface CreateCompanyRequest__Output {
  'company': (_contacts_v1_Company__Output | null);
  'requestId': (string);
}
