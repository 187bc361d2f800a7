// Original file: ../../protos/contacts/v1/contacts.proto

import type { Affiliation as _contacts_v1_Affiliation, Affiliation__Output as _contacts_v1_Affiliation__Output } from '../../contacts/v1/Affiliation';

export interface CreateAffiliationRequest {
  'affiliation'?: (_contacts_v1_Affiliation | null);
  'requestId'?: (string);
}

export interface CreateAffiliationRequest__Output {
  'affiliation': (_contacts_v1_Affiliation__Output | null);
  'requestId': (string);
}
