// Original file: ../../protos/contacts/v1/contacts.proto


/**
 * A postal address, as google.type.PostalAddress names its main fields.
 */
export interface PostalAddress {
  'streetLines'?: (string)[];
  'locality'?: (string);
  'region'?: (string);
  'postalCode'?: (string);
  /**
   * ISO 3166-1 alpha-2, upper case: "DE", "US".
   */
  'countryCode'?: (string);
}

/**
 * A postal address, as google.type.PostalAddress names its main fields.
 */
export interface PostalAddress__Output {
  'streetLines': (string)[];
  'locality': (string);
  'region': (string);
  'postalCode': (string);
  /**
   * ISO 3166-1 alpha-2, upper case: "DE", "US".
   */
  'countryCode': (string);
}
