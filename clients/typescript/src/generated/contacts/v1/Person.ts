// Original file: ../../protos/contacts/v1/contacts.proto

import type { EmailAddress as _contacts_v1_EmailAddress, EmailAddress__Output as _contacts_v1_EmailAddress__Output } from '../../contacts/v1/EmailAddress';
import type { PhoneNumber as _contacts_v1_PhoneNumber, PhoneNumber__Output as _contacts_v1_PhoneNumber__Output } from '../../contacts/v1/PhoneNumber';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface Person {
  /**
   * Output only.
   */
  'id'?: (string);
  /**
   * At least one of given_name and family_name is required.
   */
  'givenName'?: (string);
  'familyName'?: (string);
  /**
   * Output only: the given and family names.
   */
  'displayName'?: (string);
  'emails'?: (_contacts_v1_EmailAddress)[];
  'phones'?: (_contacts_v1_PhoneNumber)[];
  'jobTitle'?: (string);
  /**
   * A company's id. Cleared when the company is deleted.
   */
  'primaryCompanyId'?: (string);
  /**
   * An account's id; the caller by default. Cleared when the account is deleted.
   */
  'ownerId'?: (string);
  'doNotContact'?: (boolean);
  'labels'?: ({[key: string]: string});
  'createTime'?: (_google_protobuf_Timestamp | null);
  'updateTime'?: (_google_protobuf_Timestamp | null);
  'deleteTime'?: (_google_protobuf_Timestamp | null);
  'expireTime'?: (_google_protobuf_Timestamp | null);
  'etag'?: (string);
}

export interface Person__Output {
  /**
   * Output only.
   */
  'id': (string);
  /**
   * At least one of given_name and family_name is required.
   */
  'givenName': (string);
  'familyName': (string);
  /**
   * Output only: the given and family names.
   */
  'displayName': (string);
  'emails': (_contacts_v1_EmailAddress__Output)[];
  'phones': (_contacts_v1_PhoneNumber__Output)[];
  'jobTitle': (string);
  /**
   * A company's id. Cleared when the company is deleted.
   */
  'primaryCompanyId': (string);
  /**
   * An account's id; the caller by default. Cleared when the account is deleted.
   */
  'ownerId': (string);
  'doNotContact': (boolean);
  'labels': ({[key: string]: string});
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  'deleteTime': (_google_protobuf_Timestamp__Output | null);
  'expireTime': (_google_protobuf_Timestamp__Output | null);
  'etag': (string);
}
