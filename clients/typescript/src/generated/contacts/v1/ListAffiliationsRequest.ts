// Original file: ../../protos/contacts/v1/contacts.proto


export interface ListAffiliationsRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
  'filter'?: (string);
  'orderBy'?: (string);
}

export interface ListAffiliationsRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
  'filter': (string);
  'orderBy': (string);
}
