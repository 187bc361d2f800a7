// Original file: ../../protos/contacts/v1/contacts.proto

import type { MergeSource as _contacts_v1_MergeSource, MergeSource__Output as _contacts_v1_MergeSource__Output } from '../../contacts/v1/MergeSource';

export interface MergePeopleRequest {
  'targetId'?: (string);
  'targetEtag'?: (string);
  'sources'?: (_contacts_v1_MergeSource)[];
  'requestId'?: (string);
}

export interface MergePeopleRequest__Output {
  'targetId': (string);
  'targetEtag': (string);
  'sources': (_contacts_v1_MergeSource__Output)[];
  'requestId': (string);
}
