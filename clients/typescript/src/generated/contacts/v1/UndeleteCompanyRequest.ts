// Original file: ../../protos/contacts/v1/contacts.proto


export interface UndeleteCompanyRequest {
  'id'?: (string);
  'etag'?: (string);
}

export interface UndeleteCompanyRequest__Output {
  'id': (string);
  'etag': (string);
}
