// Original file: ../../protos/contacts/v1/contacts.proto


/**
 * One resource merged away, with the etag it must still have.
 */
export interface MergeSource {
  'id'?: (string);
  'etag'?: (string);
}

/**
 * One resource merged away, with the etag it must still have.
 */
export interface MergeSource__Output {
  'id': (string);
  'etag': (string);
}
