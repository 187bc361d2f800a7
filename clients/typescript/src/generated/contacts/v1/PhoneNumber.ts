// Original file: ../../protos/contacts/v1/contacts.proto


export interface PhoneNumber {
  /**
   * E.164 when it starts with + or the host knows a default region.
   */
  'number'?: (string);
  'label'?: (string);
}

export interface PhoneNumber__Output {
  /**
   * E.164 when it starts with + or the host knows a default region.
   */
  'number': (string);
  'label': (string);
}
