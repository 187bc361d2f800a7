// Original file: ../../protos/contacts/v1/contacts.proto


export interface GetPersonRequest {
  'id'?: (string);
}

export interface GetPersonRequest__Output {
  'id': (string);
}
