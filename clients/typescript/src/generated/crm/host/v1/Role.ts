// Original file: ../../protos/crm/host/v1/host.proto


export interface Role {
  /**
   * What access policies name: "role:<name>".
   */
  'name'?: (string);
  'description'?: (string);
  /**
   * The plugin that registered it.
   */
  'plugin'?: (string);
}

export interface Role__Output {
  /**
   * What access policies name: "role:<name>".
   */
  'name': (string);
  'description': (string);
  /**
   * The plugin that registered it.
   */
  'plugin': (string);
}
