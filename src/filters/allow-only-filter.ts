import type { BlockList } from 'node:net';
import { conditionSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import type { CompiledCondition, CompiledTemplate } from '../el/api.js';
import { parseAddress, parseCidr } from '../el/functions.js';
import { compilePatternAt, matchesWhole, type JavaPattern } from '../el/regex.js';
import {
  childPlace,
  collectErrors,
  ConfigErrors,
  configError,
  type Place,
  type TollgateError,
} from '../errors/tollgate-error.js';
import { defineType, type CreateContext, type Filter, type Handler } from '../heap/types.js';
import { conditionHolds } from '../http/entity-loading.js';
import type { ClientContext, Exchange } from '../http/exchange.js';
import { textResponse } from '../http/message.js';

interface FromConfig {
  ip?: { list: string[]; resolver?: string };
  certificate?: unknown;
}

interface DestinationConfig {
  hosts?: string[];
  ports?: string[];
  methods?: string[];
  paths?: string[];
}

interface RuleConfig {
  name?: string;
  from?: FromConfig[];
  destination?: DestinationConfig[];
  when?: unknown;
}

interface AllowOnlyFilterConfig {
  rules: RuleConfig[];
  failureHandler?: unknown;
}

interface From {
  readonly blocks: readonly BlockList[];
  readonly resolver: CompiledTemplate | undefined;
}

interface Destination {
  readonly hosts: readonly JavaPattern[] | undefined;
  readonly ports: readonly (readonly [low: number, high: number])[] | undefined;
  readonly methods: ReadonlySet<string> | undefined;
  readonly paths: readonly JavaPattern[] | undefined;
}

interface Rule {
  readonly from: readonly From[] | undefined;
  readonly destination: readonly Destination[] | undefined;
  readonly when: CompiledCondition | undefined;
}

const stringList = { type: 'array', items: { type: 'string' } };

/** Runs `build` for each item, collecting every config error rather than stopping at the first. */
function compileEach<T, R>(items: readonly T[], build: (item: T, i: number) => R): R[] {
  const problems: TollgateError[] = [];
  const built = items.map((item, i) => collectErrors(problems, () => build(item, i)));
  if (problems.length > 0) throw new ConfigErrors(problems);
  return built as R[];
}

function pattern(source: string, caseInsensitive: boolean, place: Place): JavaPattern {
  return compilePatternAt(caseInsensitive ? `(?i)${source}` : source, place);
}

function compileFrom(config: FromConfig, context: CreateContext, place: Place): From {
  if (config.certificate !== undefined) {
    throw configError(
      'TG_CONFIG_BAD_VALUE',
      childPlace(place, 'certificate'),
      "a rule on the client's certificate needs mutual TLS, and Tollgate's listeners do not ask clients for certificates: allow by ip, destination or when",
    );
  }
  const listPlace = childPlace(place, 'ip', 'list');
  const blocks = compileEach(config.ip?.list ?? [], (entry, i) => {
    const text = String(context.configValue(entry, childPlace(listPlace, i)));
    const block = parseCidr(text);
    if (!block)
      throw configError(
        'TG_CONFIG_BAD_VALUE',
        childPlace(listPlace, i),
        `"${text}" is not an IP address or CIDR block`,
      );
    return block;
  });
  const resolver =
    config.ip?.resolver === undefined
      ? undefined
      : context.template(config.ip.resolver, childPlace(place, 'ip', 'resolver'));
  return { blocks, resolver };
}

function portRange(text: string, place: Place): readonly [number, number] {
  const match = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(text.trim());
  const low = Number(match?.[1]);
  const high = match?.[2] === undefined ? low : Number(match[2]);
  if (!match || low > high || high > 65535)
    throw configError('TG_CONFIG_BAD_VALUE', place, `"${text}" is not a port or a range such as "100:200"`);
  return [low, high];
}

function compileDestination(config: DestinationConfig, context: CreateContext, place: Place): Destination {
  const problems: TollgateError[] = [];
  const value = (key: keyof DestinationConfig, i: number): string =>
    String(context.configValue(config[key]![i], childPlace(place, key, i)));
  const each = <R>(
    key: keyof DestinationConfig,
    build: (text: string, place: Place) => R,
  ): R[] | undefined =>
    config[key] === undefined
      ? undefined
      : collectErrors(problems, () =>
          compileEach(config[key]!, (_, i) => build(value(key, i), childPlace(place, key, i))),
        );
  const destination = {
    hosts: each('hosts', (text, p) => pattern(text, true, p)),
    ports: each('ports', portRange),
    methods:
      config.methods === undefined
        ? undefined
        : new Set(config.methods.map((_, i) => value('methods', i).toUpperCase())),
    paths: each('paths', (text, p) => pattern(text, false, p)),
  };
  if (problems.length > 0) throw new ConfigErrors(problems);
  return destination;
}

/**
 * The client's address as PingGateway takes it by default: the last hop of Forwarded, else of
 * X-Forwarded-For, else the socket's peer.
 */
function defaultClientIp(exchange: Exchange): string {
  const { headers } = exchange.request;
  const forwarded = headers.get('Forwarded');
  if (forwarded !== undefined) {
    const hops = forwarded.flatMap((value) => value.split(','));
    const last = hops.at(-1) ?? '';
    const forParameter = last
      .split(';')
      .map((part) => part.trim())
      .find((part) => part.toLowerCase().startsWith('for='));
    if (forParameter !== undefined) {
      const node = forParameter.slice(4).replace(/^"|"$/g, '');
      // A node is an address, [v6 address] or either with :port.
      const bracketed = /^\[([^\]]+)\]/.exec(node);
      return bracketed ? bracketed[1]! : node.replace(/:\d+$/, '');
    }
  }
  const xff = headers.get('X-Forwarded-For');
  if (xff !== undefined) {
    const last = xff
      .flatMap((value) => value.split(','))
      .at(-1)
      ?.trim();
    if (last) return last;
  }
  return (exchange.contexts.client as ClientContext).remoteAddress;
}

function fromMatches(from: From, exchange: Exchange): boolean {
  const ip = from.resolver ? from.resolver.evaluate(exchange) : defaultClientIp(exchange);
  const address = typeof ip === 'string' ? parseAddress(ip) : undefined;
  return address !== undefined && from.blocks.some((block) => block.check(address.address, address.family));
}

function destinationMatches(destination: Destination, exchange: Exchange): boolean {
  const { uri, method } = exchange.request;
  if (destination.hosts && !destination.hosts.some((p) => matchesWhole(p, uri.host))) return false;
  if (destination.ports) {
    const port = uri.port >= 0 ? uri.port : uri.scheme === 'https' ? 443 : 80;
    if (!destination.ports.some(([low, high]) => port >= low && port <= high)) return false;
  }
  if (destination.methods && !destination.methods.has(method.toUpperCase())) return false;
  if (destination.paths && !destination.paths.some((p) => matchesWhole(p, uri.path))) return false;
  return true;
}

async function ruleMatches(rule: Rule, exchange: Exchange): Promise<boolean> {
  if (rule.from && !rule.from.some((from) => fromMatches(from, exchange))) return false;
  if (rule.destination && !rule.destination.some((d) => destinationMatches(d, exchange))) return false;
  return rule.when === undefined || (await conditionHolds(exchange, rule.when));
}

export const allowOnlyFilterType = defineType<AllowOnlyFilterConfig, Filter>({
  type: 'AllowOnlyFilter',
  kind: 'Filter',
  description:
    'Lets the request on only when one of its rules matches: client IP (from), destination hosts, ports, methods and paths, and a when condition; otherwise the failureHandler answers (default 401).',
  schema: objectSchema(
    {
      rules: {
        type: 'array',
        minItems: 1,
        items: objectSchema({
          name: { type: 'string' },
          from: {
            type: 'array',
            items: objectSchema({
              ip: objectSchema({ list: stringList, resolver: expressionSchema }, ['list']),
              certificate: { type: 'object' },
            }),
          },
          destination: {
            type: 'array',
            items: objectSchema({
              hosts: stringList,
              ports: stringList,
              methods: stringList,
              paths: stringList,
            }),
          },
          when: conditionSchema,
        }),
      },
      failureHandler: referenceSchema,
    },
    ['rules'],
  ),
  create: (config, context) => {
    const place = context.place;
    const rules = compileEach(config.rules, (rule, i): Rule => {
      const rulePlace = childPlace(place, 'rules', i);
      return {
        from:
          rule.from === undefined
            ? undefined
            : compileEach(rule.from, (f, j) => compileFrom(f, context, childPlace(rulePlace, 'from', j))),
        destination:
          rule.destination === undefined
            ? undefined
            : compileEach(rule.destination, (d, j) =>
                compileDestination(d, context, childPlace(rulePlace, 'destination', j)),
              ),
        when:
          rule.when === undefined ? undefined : context.condition(rule.when, childPlace(rulePlace, 'when')),
      };
    });
    const failureHandler = context.resolveOptional<Handler>(
      config.failureHandler,
      'Handler',
      childPlace(place, 'failureHandler'),
    );
    return {
      async filter(exchange, next) {
        for (const rule of rules) if (await ruleMatches(rule, exchange)) return next.handle(exchange);
        return failureHandler ? failureHandler.handle(exchange) : textResponse(401);
      },
    };
  },
});
