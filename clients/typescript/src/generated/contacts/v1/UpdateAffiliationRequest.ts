// Original file: ../../protos/contacts/v1/contacts.proto

import type { Affiliation as _contacts_v1_Affiliation, Affiliation__Output as _contacts_v1_Affiliation__Output } from '../../contacts/v1/Affiliation';
import type { FieldMask as _google_protobuf_FieldMask, FieldMask__Output as _google_protobuf_FieldMask__Output } from '../../google/protobuf/FieldMask';

export interface UpdateAffiliationRequest {
  'affiliation'?: (_contacts_v1_Affiliation | null);
  'updateMask'?: (_google_protobuf_FieldMask | null);
}

export interface UpdateAffiliationRequest__Output {
  'affiliation': (_contacts_v1_Affiliation__Output | null);
  'updateMask': (_google_protobuf_FieldMask__Output | null);
}
