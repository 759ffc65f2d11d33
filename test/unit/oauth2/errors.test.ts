import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import {
  AS_CONFIGURATION_ERRORS,
  AS_ERROR_DEFAULT_STATUS,
  AS_ERROR_STATUS,
  FAILURE_MAPPING,
  failureFor,
  failureFromAuthorizationServer,
  failureFromError,
  isAboutCallerToken,
  isOAuthErrorCode,
  sanitizeDescription,
  TokenExchangeFailure,
  type FailureSituation,
} from '../../../src/oauth2/errors.js';

// dist/test/unit/oauth2/ → the project root. Only the failure section of docs/token-exchange.md is
// read: other tables there have rows that start with the same words (`timeout` is also a config key).
const wholePage = readFileSync(new URL('../../../../docs/token-exchange.md', import.meta.url), 'utf8');
const failureStart = wholePage.indexOf('\n## Failures and the default failure handler\n');
assert.ok(
  failureStart >= 0,
  'docs/token-exchange.md has a "Failures and the default failure handler" section',
);
const failureEnd = wholePage.indexOf('\n## ', failureStart + 1);
const section = wholePage.slice(failureStart, failureEnd < 0 ? undefined : failureEnd);

function tableRows(): string[][] {
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}

describe('the failure mapping table', () => {
  test('is frozen', () => {
    assert.ok(Object.isFrozen(FAILURE_MAPPING) && Object.isFrozen(AS_ERROR_STATUS));
    assert.ok(Object.isFrozen(AS_CONFIGURATION_ERRORS));
    for (const row of Object.values(FAILURE_MAPPING)) assert.ok(Object.isFrozen(row));
  });

  test('docs/token-exchange.md has one row per situation with the same error, description, status and log level', () => {
    const rows = new Map(tableRows().map((cells) => [cells[0]!.replaceAll('`', ''), cells]));
    for (const [situation, mapped] of Object.entries(FAILURE_MAPPING)) {
      const cells = rows.get(situation);
      assert.ok(cells, `docs/token-exchange.md row for ${situation}`);
      const level = mapped.configuration
        ? '`error`, configuration'
        : mapped.status < 500
          ? '`info`'
          : '`warn`';
      if (situation === 'as_oauth_error') {
        assert.match(cells[2]!, /server's `error`/);
        assert.equal(cells[4], 'per error (below)');
        assert.equal(cells[5], '`info` (4xx) or `warn` (500)');
        continue;
      }
      if (mapped.error === null) assert.match(cells[2]!, /server's `error`/, situation);
      else assert.equal(cells[2], `\`${mapped.error}\``, situation);
      if (mapped.description === null) assert.match(cells[3]!, /server's `error_description`/, situation);
      else assert.equal(cells[3], mapped.description, situation);
      assert.equal(cells[4], String(mapped.status), situation);
      assert.equal(cells[5], level, situation);
    }
  });

  test('docs/token-exchange.md lists every AS error with its status and situation', () => {
    const asRows = tableRows().filter((cells) => cells.length === 3);
    const statusOf = (first: string): string | undefined => asRows.find((cells) => cells[0] === first)?.[1];
    const { invalid_request: invalidRequest, ...others } = AS_ERROR_STATUS;
    assert.equal(statusOf('`invalid_request` about the subject or actor token'), String(invalidRequest));
    for (const [error, status] of Object.entries(others))
      assert.equal(statusOf(`\`${error}\``), String(status));
    const configuration = `${FAILURE_MAPPING.as_configuration_error.status} (\`as_configuration_error\`)`;
    assert.equal(statusOf('`invalid_request` about anything else'), configuration);
    for (const error of AS_CONFIGURATION_ERRORS) assert.equal(statusOf(`\`${error}\``), configuration);
    // invalid_request has two rows; `any other code` is not a code and is checked below.
    assert.equal(asRows.length, Object.keys(AS_ERROR_STATUS).length + AS_CONFIGURATION_ERRORS.length + 1);
    assert.match(section, new RegExp(`\\|\\s*any other code\\s*\\|\\s*${AS_ERROR_DEFAULT_STATUS}\\s*\\|`));
  });

  test('failureFor applies the row', () => {
    const situations: Exclude<FailureSituation, 'as_oauth_error' | 'as_configuration_error'>[] = [
      'no_subject_token',
      'bad_request_parameter',
      'as_client_auth_rejected',
      'as_server_error',
      'network',
      'timeout',
      'response_check',
      'internal',
    ];
    for (const situation of situations) {
      const f = failureFor(situation, 'log detail');
      const row = FAILURE_MAPPING[situation];
      assert.deepEqual([f.error, f.description, f.status], [row.error, row.description, row.status]);
      assert.equal(f.detail, 'log detail');
      assert.ok(f.exception instanceof TollgateError && f.exception.code === 'TG_OAUTH2_EXCHANGE_FAILED');
      assert.ok(Object.isFrozen(f));
    }
  });

  test('an AS error keeps its code and gets its status, unknown codes 500', () => {
    const known = failureFromAuthorizationServer({
      error: 'invalid_grant',
      description: 'expired',
      errorUri: undefined,
      upstreamStatus: 400,
    });
    assert.deepEqual([known.error, known.description, known.status], ['invalid_grant', 'expired', 401]);
    const unknown = failureFromAuthorizationServer({
      error: 'constructor',
      description: undefined,
      errorUri: undefined,
      upstreamStatus: 400,
    });
    assert.equal(unknown.status, 500);
    assert.equal(unknown.situation, 'as_oauth_error');
  });

  test("errors about the gateway's own client are as_configuration_error, 500, a configuration problem", () => {
    for (const error of ['invalid_client', 'unauthorized_client', 'unsupported_grant_type']) {
      const f = failureFromAuthorizationServer({
        error,
        description: 'the subject token is fine, the client is not',
        errorUri: undefined,
        upstreamStatus: 400,
      });
      assert.deepEqual([f.situation, f.status], ['as_configuration_error', 500], error);
      assert.equal(FAILURE_MAPPING[f.situation].configuration, true);
    }
  });

  test("invalid_request is the caller's only when its description is about the subject or actor token", () => {
    const callers = [
      'subject_token is not a valid JWT',
      'Invalid subject token',
      'the subject-token has expired',
      'subjectToken signature invalid',
      'ACTOR_TOKEN audience mismatch',
      `${'x'.repeat(300)} and the subject token too`,
    ];
    const gateways = [
      'requested grant type is not allowed for this client',
      'unsupported subject_token_type urn:x',
      'unsupported actor token type',
      'unsupported requested_token_type urn:ietf:params:oauth:token-type:id_token',
      "'audience' parameter must only be provided once",
      'invalid token',
      '',
    ];
    const situationOf = (description: string | undefined): [string, number] => {
      const f = failureFromAuthorizationServer({
        error: 'invalid_request',
        description,
        errorUri: undefined,
        upstreamStatus: 400,
      });
      return [f.situation, f.status];
    };
    for (const description of callers) {
      assert.equal(isAboutCallerToken(description), true, description);
      assert.deepEqual(situationOf(description), ['as_oauth_error', 400], description);
    }
    for (const description of gateways) {
      assert.equal(isAboutCallerToken(description), false, description);
      assert.deepEqual(situationOf(description), ['as_configuration_error', 500], description);
    }
    assert.deepEqual(situationOf(undefined), ['as_configuration_error', 500]);
  });

  test("a token that is a word of the description cannot turn the caller's invalid_request into a 500", () => {
    const f = failureFromAuthorizationServer({
      error: 'invalid_request',
      description: 'subject_token is malformed',
      errorUri: undefined,
      upstreamStatus: 400,
      sentTokens: ['subject_token'],
    });
    assert.deepEqual(
      [f.situation, f.status, f.description],
      ['as_oauth_error', 400, '[REDACTED] is malformed'],
    );
  });
});

describe('failureFromError', () => {
  function situationOf(error: unknown): FailureSituation {
    const failure = failureFromError(error);
    assert.ok(failure instanceof TokenExchangeFailure);
    assert.ok(failure.exception instanceof Error);
    return failure.situation;
  }

  test('coded errors of this layer and the upstream client', () => {
    assert.equal(situationOf(new TollgateError('TG_OAUTH2_NO_SUBJECT_TOKEN')), 'no_subject_token');
    assert.equal(situationOf(new TollgateError('TG_OAUTH2_BAD_PARAMETER', 'x')), 'bad_request_parameter');
    assert.equal(situationOf(new TollgateError('TG_UPSTREAM_TIMEOUT')), 'timeout');
    assert.equal(situationOf(new TollgateError('TG_UPSTREAM_UNREACHABLE')), 'network');
    assert.equal(situationOf(new TollgateError('TG_UPSTREAM_RESPONSE_TOO_LARGE')), 'as_server_error');
    assert.equal(situationOf(new TollgateError('TG_SECRET_NOT_FOUND', "no secret 'x'")), 'internal');
    assert.equal(situationOf(new TollgateError('TG_OAUTH2_CLIENT_AUTH')), 'internal');
  });

  test('the no-subject-token failure answers 400 with the table description', () => {
    const f = failureFromError(new TollgateError('TG_OAUTH2_NO_SUBJECT_TOKEN', 'no subject token'));
    assert.deepEqual([f.error, f.description, f.status], ['invalid_request', 'no subject token', 400]);
  });

  test('undici / Node codes, also wrapped as fetch wraps them', () => {
    const coded = (code: string): Error => Object.assign(new Error(code), { code });
    assert.equal(situationOf(coded('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
    assert.equal(situationOf(coded('UND_ERR_CONNECT_TIMEOUT')), 'timeout');
    assert.equal(situationOf(coded('ECONNREFUSED')), 'network');
    assert.equal(situationOf(coded('ECONNRESET')), 'network');
    assert.equal(situationOf(coded('ENOTFOUND')), 'network');
    assert.equal(situationOf(new TypeError('fetch failed', { cause: coded('ECONNREFUSED') })), 'network');
    const timeout = new Error('The operation was aborted due to timeout');
    timeout.name = 'TimeoutError';
    assert.equal(situationOf(timeout), 'timeout');
  });

  test('anything else is internal; non-Error values are wrapped', () => {
    assert.equal(situationOf(new RangeError('bug')), 'internal');
    assert.equal(failureFromError('a string').exception.message, 'a string');
  });

  test('network and timeout keep the error as exception, the message as log detail', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const f = failureFromError(error);
    assert.equal(f.exception, error);
    assert.equal(f.detail, error.message);
    assert.ok(!f.description.includes('127.0.0.1'), 'the client-visible text hides the address');
  });
});

describe('error code and description checks', () => {
  test('RFC 6749 error charset', () => {
    assert.ok(isOAuthErrorCode('invalid_grant'));
    assert.ok(isOAuthErrorCode('urn:vendor:error'));
    for (const bad of ['', 'a"b', 'a\\b', 'a\nb', 'caf\u00e9', 42, null, 'x'.repeat(200)]) {
      assert.equal(isOAuthErrorCode(bad), false, JSON.stringify(bad));
    }
  });

  test('descriptions lose control and format characters', () => {
    assert.equal(sanitizeDescription('a\tb\u0007c\u200bd\u2028e'), 'a b c d e');
    assert.equal(sanitizeDescription('  Jeton expir\u00e9  '), 'Jeton expir\u00e9');
  });

  test('cutting never splits a surrogate pair', () => {
    const cut = sanitizeDescription('\u{1f600}'.repeat(300));
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut));
  });
});
