// Original file: ../../protos/contacts/v1/contacts.proto


export interface GetCompanyRequest {
  'id'?: (string);
}

export interface GetCompanyRequest__Output {
  'id': (string);
}
