/**
 * Every error the server can answer, in one table (the numeric codes are the original
 * JSONgle-Server's). `text` is the errorDetails; `%s` is filled by the builder. Where the original
 * (2.x) answered a code, its errorDetails are kept word for word: clients and their logs know them.
 * test/protocol/codes.test.ts checks this table against docs/protocol.md in both directions.
 */
export const ErrorCode = {
  BadParameter: 400001,
  NoJsongle: 400002,
  NotJsonObject: 400003,
  RoomFull: 403001,
  HelloRequired: 403002,
  TooManyMultiRooms: 403003,
  RoomKindConflict: 403004,
  UidNotTokenSubject: 403005,
  RoomNotGranted: 403006,
  // An operator removed the connection (DELETE /admin/connections/<id>), then close 4403.
  Kicked: 403007,
  TooManyRooms: 403008,
  // Users (src/users/): one more session-register than users.maxDevicesPerUser allows.
  TooManyDevices: 403009,
  QueryNotSupported: 404001,
  NotInRoom: 404002,
  NoOtherMember: 404003,
  // Users: session-unregister without session-register; a message to a uid nobody is reachable at.
  NotRegistered: 404004,
  UserUnreachable: 404005,
  ActionNotSupported: 405001,
  // A direct call's answer (proceed, accept, decline) from a device after another device answered it.
  AnsweredElsewhere: 409001,
  // A call action for a known sid from a connection that is not one of its parties (src/calls/).
  NotCallParty: 409002,
  HelloTimeout: 408001,
  RateLimited: 429001,
  ShuttingDown: 503001,
  MembershipUnavailable: 503002,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_TEXT: Readonly<Record<ErrorCode, string>> = {
  400001: "Missing '%s' parameter",
  400002: "Missing property 'jsongle' in message",
  400003: 'The message is not a JSON object',
  403001: 'Max number of members per %s already reached',
  403002: 'session-hello message was not received or was not complete',
  403003: 'Max number of multi rooms per user already reached',
  403004: "Room '%s' already exists with another kind",
  403005: "The uid must be the identity token's subject '%s'",
  403006: "The identity token does not grant room '%s'",
  403007: 'Disconnected by the server operator',
  403008: 'Max number of rooms per connection already reached',
  403009: 'Max number of devices per user already reached',
  404001: "The query '%s' is not supported",
  404002: '%s',
  404003: "Can't transmit message - no other member in room %s",
  404004: 'Not registered',
  404005: "User '%s' is not reachable",
  405001: 'Message of type %s is not supported',
  409001: "Call '%s' was answered on another device",
  409002: "Not a party to call '%s'",
  408001: 'session-hello message was not received in time',
  429001: 'Rate limit exceeded: message dropped',
  503001: 'Server is shutting down',
  503002: 'Rooms are temporarily unavailable, try again',
};

/** WebSocket close codes the server uses. */
export const CloseCode = {
  GoingAway: 1001,
  InternalError: 1011,
  HelloTimeout: 4408,
  RateLimited: 4429,
  // Resume: this socket's session was resumed on another socket.
  ResumedElsewhere: 4409,
  /** An operator removed the connection (admin kick, after session-error 403007). */
  Kicked: 4403,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * 400001's text when the parameter is there but breaks a rule (too long, a control character…):
 * the original only ever said "Missing", which would mislead the sender of a 60 000-character uid.
 */
export const INVALID_PARAMETER_TEXT = "Invalid '%s' parameter: %s";

/**
 * The 400001 argument for a parameter that is present but breaks `rule`: errorText turns it into
 * INVALID_PARAMETER_TEXT. A plain parameter name gives ERROR_TEXT's "Missing '<name>' parameter".
 * (An argument, not a second builder parameter, so every caller keeps passing one string.)
 */
export function badParameter(param: string, rule: string): string {
  return `${param} (${rule})`;
}

export function errorText(code: ErrorCode, arg = ''): string {
  if (code === ErrorCode.BadParameter) {
    // Parameter names are the server's own words (never client text), so ' (' only comes from badParameter.
    const open = arg.indexOf(' (');
    if (open > 0 && arg.endsWith(')')) {
      const param = arg.slice(0, open);
      const rule = arg.slice(open + 2, -1);
      return INVALID_PARAMETER_TEXT.replace('%s', () => param).replace('%s', () => rule);
    }
  }
  // A function replacement: client text such as `$&` must appear as sent, not be expanded.
  return ERROR_TEXT[code].replace('%s', () => arg);
}
