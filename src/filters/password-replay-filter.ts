import { conditionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import type { CompiledCondition } from '../el/api.js';
import {
  compilePatternAt,
  firstGroupsInLines,
  linesOf,
  REGEX_INPUT_LIMIT,
  type JavaPattern,
} from '../el/regex.js';
import {
  childPlace,
  collectErrors,
  ConfigErrors,
  configError,
  type Place,
  type TollgateError,
} from '../errors/tollgate-error.js';
import { defineType, type Filter, type Handler } from '../heap/types.js';
import { conditionHolds } from '../http/entity-loading.js';
import { Entity } from '../http/entity.js';
import type { Exchange } from '../http/exchange.js';
import { Headers } from '../http/headers.js';
import { Request, type Response } from '../http/message.js';
import { staticRequestFilterType } from './static-request-filter.js';

interface ExtractionConfig {
  name: string;
  pattern: string;
}

interface PasswordReplayFilterConfig {
  request: unknown;
  loginPage?: unknown;
  loginPageContentMarker?: string;
  credentials?: unknown;
  headerDecryption?: unknown;
  loginPageExtractions?: ExtractionConfig[];
  loginPageMaxCharsPerLine?: unknown;
}

interface Extraction {
  readonly name: string;
  readonly pattern: JavaPattern;
}

/** Media types a login page can have: other responses stream through unread. */
const PAGE_MEDIA_TYPE = /^\s*(?:text\/|application\/(?:xhtml\+)?xml\b|application\/json\b)/i;

function compilePattern(source: string, place: Place, needsGroup: boolean): JavaPattern {
  const pattern = compilePatternAt(source, place);
  if (needsGroup && pattern.groupCount < 1) {
    throw configError(
      'TG_CONFIG_BAD_REGEX',
      place,
      'an extraction pattern needs a capturing group: its first group is the value',
    );
  }
  return pattern;
}

/**
 * A copy of the request as it came, with its body buffered, so it can be sent again after the
 * login: the handlers it first went through may have changed the one they were given.
 */
function copyOf(request: Request): Request {
  const headers = new Headers();
  for (const [name, values] of request.headers.entries()) headers.set(name, [...values]);
  return new Request({
    method: request.method,
    uri: request.uri.clone(),
    version: request.version,
    headers,
    entity: new Entity(request.entity.bytes),
  });
}

/**
 * Whether the response may be a login page, whose body is then read and searched: a page, and
 * not one declared larger than the gateway buffers (a login page is small; a big page streams on).
 */
function mayBeLoginPage(response: Response, maxEntityBytes: number): boolean {
  const type = response.headers.first('Content-Type');
  if (type !== undefined && !PAGE_MEDIA_TYPE.test(type)) return false;
  const length = Number(response.headers.first('Content-Length') ?? 0);
  return !(length > maxEntityBytes);
}

export const passwordReplayFilterType = defineType<PasswordReplayFilterConfig, Filter>({
  type: 'PasswordReplayFilter',
  aliases: [
    'org.forgerock.openig.filter.PasswordReplayFilter',
    'org.forgerock.openig.filter.PasswordReplayFilterHeaplet',
  ],
  kind: 'Filter',
  description:
    'Logs the user in to an application on its behalf: when a request is for the login page (loginPage), or a response is one (loginPageContentMarker), sends the login request built from `request` (after the credentials filter), with values found in the page under attributes.extracted; on the response flow the original request is then sent again.',
  schema: objectSchema(
    {
      request: staticRequestFilterType.schema,
      loginPage: conditionSchema,
      loginPageContentMarker: { type: 'string' },
      credentials: referenceSchema,
      headerDecryption: { type: 'object' },
      loginPageExtractions: {
        type: 'array',
        items: objectSchema({ name: { type: 'string' }, pattern: { type: 'string' } }, ['name', 'pattern']),
      },
      loginPageMaxCharsPerLine: { type: ['integer', 'string'] },
    },
    ['request'],
  ),
  ignoredKeys: {
    loginPageMaxCharsPerLine: `each line of the page is searched in its first ${REGEX_INPUT_LIMIT} characters, the regular expression engine's input limit`,
  },
  create: (config, context) => {
    const place = context.place;
    const problems: TollgateError[] = [];
    if (config.loginPage === undefined && config.loginPageContentMarker === undefined) {
      problems.push(
        configError(
          'TG_CONFIG_MISSING_PROPERTY',
          childPlace(place, 'loginPage'),
          'give loginPage, loginPageContentMarker, or both',
        ),
      );
    }
    if (config.headerDecryption !== undefined) {
      problems.push(
        configError(
          'TG_CONFIG_HEADER_DECRYPTION',
          childPlace(place, 'headerDecryption'),
          'headerDecryption (a CryptoHeaderFilter) is not supported: give the credentials in clear to the credentials filter',
        ),
      );
    }
    const loginPage = collectErrors(problems, (): CompiledCondition | null =>
      config.loginPage === undefined
        ? null
        : context.condition(config.loginPage, childPlace(place, 'loginPage')),
    );
    const marker = collectErrors(problems, (): JavaPattern | null => {
      if (config.loginPageContentMarker === undefined) return null;
      const at = childPlace(place, 'loginPageContentMarker');
      return compilePattern(String(context.configValue(config.loginPageContentMarker, at)), at, false);
    });
    const extractions = (config.loginPageExtractions ?? []).map((extraction, i) => {
      const at = childPlace(place, 'loginPageExtractions', i);
      return collectErrors(problems, (): Extraction => ({
        name: String(context.configValue(extraction.name, childPlace(at, 'name'))),
        pattern: compilePattern(
          String(context.configValue(extraction.pattern, childPlace(at, 'pattern'))),
          childPlace(at, 'pattern'),
          true,
        ),
      }));
    });
    const credentials = collectErrors(problems, () =>
      context.resolveOptional<Filter>(config.credentials, 'Filter', childPlace(place, 'credentials')),
    );
    const loginRequest = collectErrors(problems, () =>
      staticRequestFilterType.create(config.request as Parameters<typeof staticRequestFilterType.create>[0], {
        ...context,
        place: childPlace(place, 'request'),
      }),
    );
    if (problems.length > 0 || loginPage === undefined || marker === undefined || !loginRequest) {
      throw new ConfigErrors(problems);
    }
    const compiled = extractions as Extraction[];

    /** The credentials filter, then the login request, sent to `next`. */
    const logIn = (exchange: Exchange, next: Handler): Promise<Response> => {
      const send: Handler = { handle: (ex) => loginRequest.filter(ex, next) };
      return credentials ? credentials.filter(exchange, send) : send.handle(exchange);
    };

    /**
     * Reads the page and, when `marker` is null or found in it, puts what the extractions find in
     * attributes.extracted. Says whether it was a login page.
     */
    const readPage = async (
      exchange: Exchange,
      page: Response,
      marker: JavaPattern | null,
    ): Promise<boolean> => {
      await page.entity.load(exchange.maxEntityBytes, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
      const lines = linesOf(page.entity.string ?? '');
      const found = marker === null || firstGroupsInLines(marker, lines) !== null;
      if (found && compiled.length > 0) {
        const extracted: Record<string, string | null> = {};
        for (const { name, pattern } of compiled) {
          extracted[name] = firstGroupsInLines(pattern, lines)?.[1] ?? null;
        }
        exchange.attributes.extracted = extracted;
      }
      return found;
    };

    // As PingGateway: when both are given, loginPage decides and the marker is not looked for.
    if (loginPage !== null) {
      return {
        async filter(exchange, next) {
          if (!(await conditionHolds(exchange, loginPage))) return next.handle(exchange);
          if (compiled.length > 0) {
            // The page is fetched for the values it holds; the user gets the login's response.
            const page = await next.handle(exchange);
            exchange.response = page;
            await readPage(exchange, page, null);
          }
          return logIn(exchange, next);
        },
      };
    }
    return {
      async filter(exchange, next) {
        await exchange.request.entity.load(exchange.maxEntityBytes, 'TG_REQUEST_ENTITY_TOO_LARGE');
        const original = copyOf(exchange.request);
        const response = await next.handle(exchange);
        exchange.response = response;
        if (
          !mayBeLoginPage(response, exchange.maxEntityBytes) ||
          !(await readPage(exchange, response, marker))
        )
          return response;
        // The login's own response is not the user's: the original request, sent again, gives it.
        (await logIn(exchange, next)).entity.discard();
        exchange.request = original;
        return next.handle(exchange);
      },
    };
  },
});
