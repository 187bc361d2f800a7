// Original file: ../../protos/contacts/v1/contacts.proto


export interface DeleteAffiliationRequest {
  'id'?: (string);
  'etag'?: (string);
}

export interface DeleteAffiliationRequest__Output {
  'id': (string);
  'etag': (string);
}
