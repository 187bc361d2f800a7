// Original file: ../../protos/contacts/v1/contacts.proto


export interface DeletePersonRequest {
  'id'?: (string);
  'etag'?: (string);
}

export interface DeletePersonRequest__Output {
  'id': (string);
  'etag': (string);
}
