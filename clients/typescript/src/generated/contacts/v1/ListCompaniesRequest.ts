// Original file: ../../protos/contacts/v1/contacts.proto


export interface ListCompaniesRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
  'filter'?: (string);
  'orderBy'?: (string);
  'showDeleted'?: (boolean);
}

export interface ListCompaniesRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
  'filter': (string);
  'orderBy': (string);
  'showDeleted': (boolean);
}
