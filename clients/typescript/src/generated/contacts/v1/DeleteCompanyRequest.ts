// Original file: ../../protos/contacts/v1/contacts.proto


export interface DeleteCompanyRequest {
  'id'?: (string);
  'etag'?: (string);
}

export interface DeleteCompanyRequest__Output {
  'id': (string);
  'etag': (string);
}
