// Original file: ../../protos/contacts/v1/contacts.proto

import type { Date as _contacts_v1_Date, Date__Output as _contacts_v1_Date__Output } from '../../contacts/v1/Date';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

/**
 * A person's link to a company. Deleted with either.
 */
export interface Affiliation {
  /**
   * Output only.
   */
  'id'?: (string);
  /**
   * Required; immutable.
   */
  'personId'?: (string);
  /**
   * Required; immutable.
   */
  'companyId'?: (string);
  'role'?: (string);
  'primary'?: (boolean);
  'startDate'?: (_contacts_v1_Date | null);
  'endDate'?: (_contacts_v1_Date | null);
  'createTime'?: (_google_protobuf_Timestamp | null);
  'updateTime'?: (_google_protobuf_Timestamp | null);
  'etag'?: (string);
}

/**
 * A person's link to a company. Deleted with either.
 */
export interface Affiliation__Output {
  /**
   * Output only.
   */
  'id': (string);
  /**
   * Required; immutable.
   */
  'personId': (string);
  /**
   * Required; immutable.
   */
  'companyId': (string);
  'role': (string);
  'primary': (boolean);
  'startDate': (_contacts_v1_Date__Output | null);
  'endDate': (_contacts_v1_Date__Output | null);
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  'etag': (string);
}
