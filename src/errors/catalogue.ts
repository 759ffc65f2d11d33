/**
 * Every error code Tollgate reports, with its message, the HTTP status it maps to when it ends a
 * request, and whether its message may be shown to a client. Codes are stable: operators grep for
 * them and docs/errors.md documents them (a test keeps the two in step).
 */
export interface ErrorEntry {
  readonly message: string;
  readonly status: number;
  /** true when the message can go to the client; otherwise the client sees only the status. */
  readonly expose: boolean;
}

function entry(message: string, status = 500, expose = false): ErrorEntry {
  return Object.freeze({ message, status, expose });
}

export const errorCatalogue = Object.freeze({
  // Configuration files (route files, config.json, admin.json)
  TG_CONFIG_READ: entry('the file cannot be read'),
  TG_CONFIG_PARSE: entry('the file is not valid JSON or YAML'),
  TG_CONFIG_SCHEMA: entry('the value does not match the schema'),
  TG_CONFIG_UNKNOWN_PROPERTY: entry('unknown property'),
  TG_CONFIG_MISSING_PROPERTY: entry('a required property is missing'),
  TG_CONFIG_UNKNOWN_TYPE: entry('unknown heap object type'),
  TG_CONFIG_WRONG_KIND: entry('the referenced object is not of the expected kind'),
  TG_CONFIG_BAD_REFERENCE: entry('no heap object with this name'),
  TG_CONFIG_UNKNOWN_DECORATOR: entry('a globalDecorators key names no decorator'),
  TG_CONFIG_REFERENCE_CYCLE: entry('heap objects reference each other in a cycle'),
  TG_CONFIG_DUPLICATE_NAME: entry('a heap object or route with this name already exists'),
  TG_CONFIG_BAD_EXPRESSION: entry('the expression cannot be parsed'),
  TG_CONFIG_UNRESOLVED_TOKEN: entry('a configuration token has no value and no default'),
  TG_CONFIG_BAD_VALUE: entry('the value is not valid here'),
  TG_CONFIG_BAD_DURATION: entry('the value is not a valid duration'),
  TG_CONFIG_BAD_REGEX: entry('the regular expression cannot be compiled'),
  TG_CONFIG_DUPLICATE_TYPE: entry('two type definitions share one type name'),
  TG_CONFIG_LIMIT: entry('the file exceeds a configuration limit'),
  TG_CONFIG_TRAILING_CONTENT: entry('text after the JSON value of the file is ignored (a warning)'),
  TG_CONFIG_TRUST_ALL: entry('a TrustAllManager turns off the checking of server certificates (a warning)'),
  TG_CONFIG_IGNORED_KEYS: entry(
    'keys PingGateway documents that have no meaning on Node are ignored (a warning)',
  ),
  TG_AUDIT_HANDLER_IGNORED: entry('an audit event handler class Tollgate lacks is ignored (a warning)'),
  TG_AUDIT_DECORATION_IGNORED: entry("OpenIG's audit decoration is ignored (a warning)"),
  TG_CONFIG_BUILD_FAILED: entry('the file could not be built: an unexpected error (logged with its stack)'),
  TG_CONFIG_JWT_SESSION_KEYSTORE: entry(
    'JwtSession keystore, alias and password: give keys through secret stores',
  ),
  TG_CONFIG_JWT_CUSTOMIZER: entry("a JwtValidationFilter's customizer is not supported"),
  TG_CONFIG_HEADER_DECRYPTION: entry(
    "a PasswordReplayFilter's headerDecryption (CryptoHeaderFilter) is not supported",
  ),
  TG_CONFIG_GROOVY_UNSUPPORTED: entry(
    'a Groovy script cannot run on Node: write it in JavaScript (docs/scripts.md)',
  ),

  // Start-up and listeners
  TG_START_LISTEN: entry('a listener cannot be opened'),
  TG_START_TLS: entry('the TLS key or certificate cannot be read'),
  TG_START_ROUTES_DIRECTORY: entry('the routes directory given does not exist or is not a directory'),
  TG_START_INTERRUPTED: entry('a signal stopped the gateway before it had started'),
  TG_ROUTES_DIRECTORY_MISSING: entry(
    'the route directory does not exist; its routes load once it is created',
  ),
  TG_CLI_USAGE: entry('the command line is not valid'),
  TG_START_ACCESS_LOG: entry('the access log file cannot be opened'),
  TG_START_AUDIT_LOG: entry("an audit event handler's log file cannot be opened"),
  TG_AUDIT_WRITE: entry('audit events cannot be written to their file (logged once per file)'),

  // Expressions at run time
  TG_EL_EVALUATION: entry('an expression could not be evaluated; it yields null'),
  TG_EL_FUNCTION_REGISTRATION: entry(
    'an expression function cannot be registered (invalid or duplicate name)',
  ),

  // Requests
  TG_REQUEST_ENTITY_TOO_LARGE: entry('the request body is larger than the configured maximum', 413, true),
  TG_REQUEST_BAD_ENTITY: entry('the request body cannot be parsed as requested', 400, true),
  TG_ROUTE_NOT_FOUND: entry('no route matches the request', 404, true),
  TG_CLIENT_GONE: entry('the client closed the connection before the response was complete', 499, false),
  TG_HANDLER_FAILED: entry('a handler failed while processing the request', 500, false),
  TG_BASE_URI_INVALID: entry('the baseURI expression did not give an absolute URI', 500, false),
  TG_PATH_REWRITE_INVALID: entry(
    'a UriPathRewriteFilter mapping gave a path that is not a valid URI path',
    500,
    false,
  ),
  TG_THROTTLING_NO_PARTITION: entry(
    "a ThrottlingFilter's requestGroupingPolicy gave null: the request has no partition",
    500,
    false,
  ),
  TG_THROTTLING_SHARED_UNAVAILABLE: entry(
    'the primary did not answer for the shared ThrottlingFilter buckets in time: the unit counts on its own (a warning)',
  ),
  TG_REQUEST_URI_INVALID: entry(
    "a StaticRequestFilter's uri expression did not give an absolute URI",
    500,
    false,
  ),
  TG_REQUEST_BAD_TARGET: entry('the request target is not valid', 400, true),
  TG_HEADER_INVALID_VALUE: entry('a header value holds a character a header cannot carry; it is dropped'),
  TG_RESPONSE_INVALID: entry('the response has a status, reason or header that cannot be sent', 500, false),
  TG_RESPONSE_BAD_STATUS: entry('a status expression gave no HTTP status from 200 to 599'),

  // Upstream calls (ClientHandler / ReverseProxyHandler)
  TG_UPSTREAM_UNREACHABLE: entry('the upstream server cannot be reached', 502, true),
  TG_UPSTREAM_TIMEOUT: entry('the upstream server did not answer in time', 504, true),
  TG_UPSTREAM_CIRCUIT_OPEN: entry('the upstream failed too often and is not called for a while', 502, true),
  TG_UPSTREAM_RESPONSE_TOO_LARGE: entry(
    'the upstream response body is larger than the configured maximum',
    502,
    true,
  ),
  TG_WEBSOCKET_REFUSED: entry('the backend refused the WebSocket handshake; its answer was relayed'),
  TG_WEBSOCKET_FAILED: entry('an open WebSocket tunnel failed and was closed'),

  // Secrets
  TG_SECRET_NOT_FOUND: entry('no secret store holds this secret id'),
  TG_SECRET_BAD_FORMAT: entry('the secret cannot be decoded in its declared format'),

  // OAuth 2.0 token exchange
  TG_OAUTH2_EXCHANGE_FAILED: entry('the token exchange failed', 500, false),
  TG_OAUTH2_NO_SUBJECT_TOKEN: entry('the subject token expression gave no token', 400, false),
  TG_EXCHANGE_CACHE_STORE_FAILED: entry(
    'the shared exchange cache failed or gave an unusable value; the token is exchanged directly',
  ),

  // Secret stores and the token exchange protocol layer (src/secrets, src/oauth2)
  TG_SECRET_BAD_ID: entry('the secret id cannot name a secret in this store'),
  TG_SECRET_STORE_FAILED: entry('a secret store could not read or fetch its secrets'),
  TG_SECRET_NOT_A_KEY: entry('the secret is not a usable key'),
  TG_OAUTH2_BAD_PARAMETER: entry('a token exchange request parameter is not valid'),
  TG_OAUTH2_CLIENT_AUTH: entry('the client authentication for the token endpoint cannot be prepared'),
  TG_RESOURCE_ACCESS_FAILED: entry(
    'the ScriptableResourceAccess expression failed or gave no list of scopes',
  ),
  TG_JWT_BUILD_FAILED: entry('the JwtBuilderFilter template gave no map of claims'),
  TG_OAUTH2_CLIENT_CREDENTIALS: entry('the client_credentials grant gave no access token'),
  TG_SCRIPT_FAILED: entry('a script threw, ran out of memory or returned no usable answer'),
  TG_SCRIPT_TIMEOUT: entry('a script ran past its CPU time limit, or its wait on http.send, and was stopped'),

  // OAuth 2.0 resource server (OAuth2ResourceServerFilter and its access token resolvers)
  TG_OAUTH2_RESOLVER_FAILED: entry(
    'the access token could not be checked: its source gave no usable answer',
    502,
    false,
  ),
  TG_OAUTH2_HTTPS_REQUIRED: entry('the resource server requires https; the request came over http', 403),
  TG_OAUTH2_REQUIRED_SCOPES: entry('the scopes the resource requires could not be evaluated', 500, false),
  // Sessions (warnings and debug lines: a session problem never fails a request)
  TG_SESSION_UNREADABLE: entry('a JWT session cookie does not open or has expired; the session is empty'),
  TG_SESSION_TOO_LARGE: entry('the JWT session cookie would be over 4096 bytes; it is not saved'),
  TG_SESSION_NOT_JSON: entry('a JWT session keeps JSON values only; the write is ignored'),
  TG_SESSION_TEMPORARY_KEY: entry('a JwtSession without keys uses a temporary one; its sessions end with it'),
  TG_SESSION_EVICTED: entry(
    'the in-memory sessions reached maxSessions: the least recently used are dropped (a warning)',
  ),
});

export type ErrorCode = keyof typeof errorCatalogue;
