// Original file: ../../protos/contacts/v1/contacts.proto


export interface EmailAddress {
  'address'?: (string);
  /**
   * "work", "home", ...
   */
  'label'?: (string);
  /**
   * At most one address is primary; it is unique among live people.
   */
  'primary'?: (boolean);
}

export interface EmailAddress__Output {
  'address': (string);
  /**
   * "work", "home", ...
   */
  'label': (string);
  /**
   * At most one address is primary; it is unique among live people.
   */
  'primary': (boolean);
}
