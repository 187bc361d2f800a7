// Original file: ../../protos/contacts/v1/contacts.proto


export interface ListPeopleRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
  'filter'?: (string);
  'orderBy'?: (string);
  'showDeleted'?: (boolean);
}

export interface ListPeopleRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
  'filter': (string);
  'orderBy': (string);
  'showDeleted': (boolean);
}
