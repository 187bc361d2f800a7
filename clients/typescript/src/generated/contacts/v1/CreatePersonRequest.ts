// Original file: ../../protos/contacts/v1/contacts.proto

import type { Person as _contacts_v1_Person, Person__Output as _contacts_v1_Person__Output } from '../../contacts/v1/Person';

export interface CreatePersonRequest {
  'person'?: (_contacts_v1_Person | null);
  'requestId'?: (string);
}

export interface CreatePersonRequest__Output {
  'person': (_contacts_v1_Person__Output | null);
  'requestId': (string);
}
