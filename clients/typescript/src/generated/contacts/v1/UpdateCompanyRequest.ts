// Original file: ../../protos/contacts/v1/contacts.proto

import type { Company as _contacts_v1_Company, Company__Output as _contacts_v1_Company__Output } from '../../contacts/v1/Company';
import type { FieldMask as _google_protobuf_FieldMask, FieldMask__Output as _google_protobuf_FieldMask__Output } from '../../google/protobuf/FieldMask';

export interface UpdateCompanyRequest {
  'company'?: (_contacts_v1_Company | null);
  'updateMask'?: (_google_protobuf_FieldMask | null);
}

export interface UpdateCompanyRequest__Output {
  'company': (_contacts_v1_Company__Output | null);
  'updateMask': (_google_protobuf_FieldMask__Output | null);
}
