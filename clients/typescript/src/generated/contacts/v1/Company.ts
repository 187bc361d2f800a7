// Original file: ../../protos/contacts/v1/contacts.proto

import type { PostalAddress as _contacts_v1_PostalAddress, PostalAddress__Output as _contacts_v1_PostalAddress__Output } from '../../contacts/v1/PostalAddress';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface Company {
  /**
   * Output only.
   */
  'id'?: (string);
  /**
   * Required.
   */
  'displayName'?: (string);
  /**
   * Unique among live companies, compared case-insensitively; stored in its
   * IDNA (ASCII) form: "bücher.example" becomes "xn--bcher-kva.example".
   */
  'domain'?: (string);
  'website'?: (string);
  'industry'?: (string);
  'employeeCount'?: (number);
  /**
   * E.164 when it starts with + or the host knows a default region.
   */
  'phone'?: (string);
  'address'?: (_contacts_v1_PostalAddress | null);
  /**
   * An account's id; the caller by default. Cleared when the account is deleted.
   */
  'ownerId'?: (string);
  'labels'?: ({[key: string]: string});
  'createTime'?: (_google_protobuf_Timestamp | null);
  'updateTime'?: (_google_protobuf_Timestamp | null);
  'deleteTime'?: (_google_protobuf_Timestamp | null);
  'expireTime'?: (_google_protobuf_Timestamp | null);
  'etag'?: (string);
}

export interface Company__Output {
  /**
   * Output only.
   */
  'id': (string);
  /**
   * Required.
   */
  'displayName': (string);
  /**
   * Unique among live companies, compared case-insensitively; stored in its
   * IDNA (ASCII) form: "bücher.example" becomes "xn--bcher-kva.example".
   */
  'domain': (string);
  'website': (string);
  'industry': (string);
  'employeeCount': (number);
  /**
   * E.164 when it starts with + or the host knows a default region.
   */
  'phone': (string);
  'address': (_contacts_v1_PostalAddress__Output | null);
  /**
   * An account's id; the caller by default. Cleared when the account is deleted.
   */
  'ownerId': (string);
  'labels': ({[key: string]: string});
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  'deleteTime': (_google_protobuf_Timestamp__Output | null);
  'expireTime': (_google_protobuf_Timestamp__Output | null);
  'etag': (string);
}
