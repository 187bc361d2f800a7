// Original file: ../../protos/contacts/v1/contacts.proto


export interface GetAffiliationRequest {
  'id'?: (string);
}

export interface GetAffiliationRequest__Output {
  'id': (string);
}
