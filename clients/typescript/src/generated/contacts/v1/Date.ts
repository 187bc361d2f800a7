// Original file: ../../protos/contacts/v1/contacts.proto


/**
 * A calendar date; wire-compatible with google.type.Date.
 */
export interface Date {
  'year'?: (number);
  'month'?: (number);
  'day'?: (number);
}

/**
 * A calendar date; wire-compatible with google.type.Date.
 */
export interface Date__Output {
  'year': (number);
  'month': (number);
  'day': (number);
}
