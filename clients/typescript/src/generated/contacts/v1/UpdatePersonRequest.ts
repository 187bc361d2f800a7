// Original file: ../../protos/contacts/v1/contacts.proto

import type { Person as _contacts_v1_Person, Person__Output as _contacts_v1_Person__Output } from '../../contacts/v1/Person';
import type { FieldMask as _google_protobuf_FieldMask, FieldMask__Output as _google_protobuf_FieldMask__Output } from '../../google/protobuf/FieldMask';

export interface UpdatePersonRequest {
  'person'?: (_contacts_v1_Person | null);
  'updateMask'?: (_google_protobuf_FieldMask | null);
}

export interface UpdatePersonRequest__Output {
  'person': (_contacts_v1_Person__Output | null);
  'updateMask': (_google_protobuf_FieldMask__Output | null);
}
