// Original file: ../../protos/accounts/v1/accounts.proto


export interface ListAccountsRequest {
  /**
   * At most this many accounts: 0 means 50; values above 1000 mean 1000.
   */
  'pageSize'?: (number);
  /**
   * next_page_token of the previous page; filter and order_by must not change.
   */
  'pageToken'?: (string);
  /**
   * AIP-160 subset, conditions joined by AND, e.g.
   * `state = ACTIVE AND name : "smith"`. See docs/accounts.md.
   */
  'filter'?: (string);
  /**
   * `create_time` (default) or `name`, optionally followed by `desc`.
   */
  'orderBy'?: (string);
}

export interface ListAccountsRequest__Output {
  /**
   * At most this many accounts: 0 means 50; values above 1000 mean 1000.
   */
  'pageSize': (number);
  /**
   * next_page_token of the previous page; filter and order_by must not change.
   */
  'pageToken': (string);
  /**
   * AIP-160 subset, conditions joined by AND, e.g.
   * `state = ACTIVE AND name : "smith"`. See docs/accounts.md.
   */
  'filter': (string);
  /**
   * `create_time` (default) or `name`, optionally followed by `desc`.
   */
  'orderBy': (string);
}
