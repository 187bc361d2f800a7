// Original file: ../../protos/contacts/v1/contacts.proto

import type { Person as _contacts_v1_Person, Person__Output as _contacts_v1_Person__Output } from '../../contacts/v1/Person';

export interface ListPeopleResponse {
  'people'?: (_contacts_v1_Person)[];
  'nextPageToken'?: (string);
}

export interface ListPeopleResponse__Output {
  'people': (_contacts_v1_Person__Output)[];
  'nextPageToken': (string);
}
