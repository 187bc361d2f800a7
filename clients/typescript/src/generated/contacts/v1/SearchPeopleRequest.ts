// Original file: ../../protos/contacts/v1/contacts.proto


export interface SearchPeopleRequest {
  /**
   * At least one character; case-insensitive.
   */
  'query'?: (string);
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface SearchPeopleRequest__Output {
  /**
   * At least one character; case-insensitive.
   */
  'query': (string);
  'pageSize': (number);
  'pageToken': (string);
}
