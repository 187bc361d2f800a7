// Original file: ../../protos/contacts/v1/contacts.proto

import type { Affiliation as _contacts_v1_Affiliation, Affiliation__Output as _contacts_v1_Affiliation__Output } from '../../contacts/v1/Affiliation';

export interface ListAffiliationsResponse {
  'affiliations'?: (_contacts_v1_Affiliation)[];
  'nextPageToken'?: (string);
}

export interface ListAffiliationsResponse__Output {
  'affiliations': (_contacts_v1_Affiliation__Output)[];
  'nextPageToken': (string);
}
