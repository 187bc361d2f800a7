// Original file: ../../protos/contacts/v1/contacts.proto


export interface UndeletePersonRequest {
  'id'?: (string);
  'etag'?: (string);
}

export interface UndeletePersonRequest__Output {
  'id': (string);
  'etag': (string);
}
