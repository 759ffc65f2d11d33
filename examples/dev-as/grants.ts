import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { CryptoKey } from 'jose';
import type { Client, KoaContextWithOIDC, Params, Provider, Token } from 'oidc-provider';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** The `may_act` claim: who may exchange a token (`client_id`) and who may be its actor (`sub`). */
export interface MayAct {
  client_id?: string | string[];
  sub?: string | string[];
}

/** The `act` claim of a delegated token; a nested `act` is the previous actor. */
export interface ActClaim {
  sub: string;
  act?: ActClaim;
}

/** The asymmetric key the dev AS signs JWTs with; oidc-provider publishes its public half. */
export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
  alg: string;
}

export interface GrantSettings {
  provider: Provider;
  users: Readonly<Record<string, string>>;
  /** Scopes each client may obtain, by client id; kept here because oidc-provider cannot say "none". */
  scopesByClient: ReadonlyMap<string, readonly string[]>;
  /** may_act put into tokens obtained with password or client_credentials, by the obtaining client. */
  mayActByClient: ReadonlyMap<string, MayAct>;
  /** Accepted audience and resource values; undefined accepts any. */
  allowedAudiences: ReadonlySet<string> | undefined;
  accessTokenTtlSeconds: number;
  /**
   * The resource whose access tokens are JWTs (RFC 9068) rather than opaque: a password grant
   * naming it as `resource` gets a signed token a gateway can verify with the JWKS alone.
   */
  jwtResource: string;
  signingKey: SigningKey;
  /** Builds an error oidc-provider answers as 400 `{error, error_description}`. */
  oauthError(code: string, description: string): Error;
}

/** A subject or actor token reduced to what the exchange rules need, whatever its format. */
interface PresentedToken {
  sub: string;
  /** The end-user behind the token; undefined for tokens a client obtained for itself. */
  accountId: string | undefined;
  clientId: string;
  scopes: string[];
  exp: number;
  mayAct: MayAct | undefined;
  act: ActClaim | undefined;
  username: string | undefined;
}

export function registerGrants(settings: GrantSettings): void {
  settings.provider.registerGrantType('password', (ctx) => passwordGrant(settings, ctx), [
    'username',
    'password',
    'scope',
    'resource',
  ]);
  settings.provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    (ctx) => tokenExchangeGrant(settings, ctx),
    [
      'subject_token',
      'subject_token_type',
      'actor_token',
      'actor_token_type',
      'requested_token_type',
      'scope',
      'audience',
      'resource',
    ],
    ['audience', 'resource'],
  );
}

/**
 * The extraTokenClaims hook. oidc-provider replaces `token.extra` with what this returns when it
 * saves a token, so claims the grants below set must be handed back here to survive. Tokens from
 * the built-in client_credentials grant get `sub` = client id (as AM and RFC 9068 do) and the
 * client's may_act policy.
 */
export function extraTokenClaims(
  mayActByClient: ReadonlyMap<string, MayAct>,
  token: Token,
): Record<string, unknown> | undefined {
  if (token.extra !== undefined) return token.extra;
  if (token.kind !== 'ClientCredentials') return undefined;
  const mayAct = mayActByClient.get(token.clientId);
  return { sub: token.clientId, ...(mayAct ? { may_act: mayAct } : {}) };
}

/** Resource Owner Password Credentials (RFC 6749 §4.3), which oidc-provider does not ship. */
async function passwordGrant(settings: GrantSettings, ctx: KoaContextWithOIDC): Promise<void> {
  const { params, client } = ctx.oidc;
  const { oauthError } = settings;
  const username = single(params, 'username');
  const password = single(params, 'password');
  if (username === undefined || password === undefined) {
    throw oauthError('invalid_request', 'username and password are required');
  }
  const expected = settings.users[username];
  if (expected === undefined || !sameSecret(expected, password)) {
    throw oauthError('invalid_grant', 'invalid resource owner credentials');
  }

  const allowed = settings.scopesByClient.get(client.clientId) ?? [];
  const requested = scopeList(single(params, 'scope'));
  const beyond = requested?.filter((scope) => !allowed.includes(scope)) ?? [];
  if (beyond.length > 0) {
    throw oauthError('invalid_scope', `client ${client.clientId} may not obtain scope ${beyond.join(' ')}`);
  }
  const scope = (requested ?? allowed).join(' ');
  const resource = single(params, 'resource');
  const mayAct = settings.mayActByClient.get(client.clientId);
  if (resource !== undefined) {
    if (resource !== settings.jwtResource) {
      throw oauthError('invalid_target', `resource ${resource} is not one this server issues tokens for`);
    }
    ctx.body = await jwtAccessToken(settings, {
      clientId: client.clientId,
      sub: username,
      aud: resource,
      scope,
      claims: { username, ...(mayAct ? { may_act: mayAct } : {}) },
    });
    return;
  }

  const token = new settings.provider.AccessToken({
    client,
    accountId: username,
    scope: scope || undefined,
    gty: 'password',
  });
  token.extra = { username, ...(mayAct ? { may_act: mayAct } : {}) };
  const accessToken = await token.save();
  ctx.body = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: token.expiration,
    ...(scope ? { scope } : {}),
  };
}

/** The header type RFC 9068 §2.1 gives JWT access tokens. */
const AT_JWT = 'at+jwt';

/** A JWT access token (RFC 9068) for `aud`, signed with the key the JWKS publishes. */
async function jwtAccessToken(
  settings: GrantSettings,
  grant: { clientId: string; sub: string; aud: string; scope: string; claims: Record<string, unknown> },
): Promise<Record<string, unknown>> {
  const { privateKey, kid, alg } = settings.signingKey;
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = settings.accessTokenTtlSeconds;
  const jwt = await new SignJWT({
    ...grant.claims,
    client_id: grant.clientId,
    ...(grant.scope ? { scope: grant.scope } : {}),
  })
    .setProtectedHeader({ alg, kid, typ: AT_JWT })
    .setIssuer(settings.provider.issuer)
    .setSubject(grant.sub)
    .setAudience(grant.aud)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .setJti(randomUUID())
    .sign(privateKey);
  return {
    access_token: jwt,
    token_type: 'Bearer',
    expires_in: expiresIn,
    ...(grant.scope ? { scope: grant.scope } : {}),
  };
}

/** OAuth 2.0 Token Exchange (RFC 8693); the README lists the rules and error codes. */
async function tokenExchangeGrant(settings: GrantSettings, ctx: KoaContextWithOIDC): Promise<void> {
  const { params, client } = ctx.oidc;
  const { oauthError } = settings;

  const subjectToken = single(params, 'subject_token');
  const subjectTokenType = single(params, 'subject_token_type');
  if (subjectToken === undefined || subjectTokenType === undefined) {
    throw oauthError('invalid_request', 'subject_token and subject_token_type are required');
  }
  const actorToken = single(params, 'actor_token');
  const actorTokenType = single(params, 'actor_token_type');
  if ((actorToken === undefined) !== (actorTokenType === undefined)) {
    throw oauthError('invalid_request', 'actor_token_type must be sent if and only if actor_token is');
  }
  const requestedType = single(params, 'requested_token_type') ?? ACCESS_TOKEN_TYPE;
  if (requestedType !== ACCESS_TOKEN_TYPE && requestedType !== JWT_TOKEN_TYPE) {
    throw oauthError('invalid_request', `unsupported requested_token_type ${requestedType}`);
  }

  const subject = await presentedToken(settings, 'subject_token', subjectToken, subjectTokenType);
  const actor =
    actorToken !== undefined && actorTokenType !== undefined
      ? await presentedToken(settings, 'actor_token', actorToken, actorTokenType)
      : undefined;
  checkMayAct(settings, subject, client.clientId, actor);

  const scopes = narrowScope(settings, client, subject.scopes, scopeList(single(params, 'scope')));
  const scope = scopes.join(' ');
  const aud = targets(settings, list(params, 'audience'), list(params, 'resource'));
  // Impersonation keeps any earlier actors the subject token records; delegation adds the new
  // actor on the outside so the innermost act stays the oldest (RFC 8693 §4.1).
  const act: ActClaim | undefined = actor
    ? { sub: actor.sub, ...(subject.act ? { act: subject.act } : {}) }
    : subject.act;

  const now = Math.floor(Date.now() / 1000);
  const expiresIn = Math.min(
    settings.accessTokenTtlSeconds,
    subject.exp - now,
    actor ? actor.exp - now : Number.POSITIVE_INFINITY,
  );

  const claims: Record<string, unknown> = {
    // oidc-provider reports `sub` from the account id; tokens without one carry it as a claim.
    ...(subject.accountId === undefined ? { sub: subject.sub } : {}),
    ...(subject.username !== undefined ? { username: subject.username } : {}),
    ...(subject.mayAct ? { may_act: subject.mayAct } : {}),
    ...(act ? { act } : {}),
  };

  if (requestedType === JWT_TOKEN_TYPE) {
    const { privateKey, kid, alg } = settings.signingKey;
    const jwt = new SignJWT({ ...claims, client_id: client.clientId, ...(scope ? { scope } : {}) })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(settings.provider.issuer)
      .setSubject(subject.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .setJti(randomUUID());
    if (aud !== undefined) jwt.setAudience(aud);
    ctx.body = {
      access_token: await jwt.sign(privateKey),
      issued_token_type: JWT_TOKEN_TYPE,
      // RFC 8693 §2.2.1: this JWT is a statement about the subject, not something the
      // introspection endpoint accepts, so it is not presented as an access token.
      token_type: 'N_A',
      expires_in: expiresIn,
      ...(scope ? { scope } : {}),
    };
    return;
  }

  const token = new settings.provider.AccessToken({
    client,
    accountId: subject.accountId,
    scope: scope || undefined,
    expiresIn,
    gty: TOKEN_EXCHANGE_GRANT,
  });
  if (aud !== undefined) token.aud = aud;
  token.extra = claims;
  ctx.body = {
    access_token: await token.save(),
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: expiresIn,
    ...(scope ? { scope } : {}),
  };
}

/**
 * Resolves a subject or actor token issued by this server. Unknown, expired or foreign tokens are
 * `invalid_grant` (the token is the grant, RFC 6749 §5.2, and AM answers so); a token type this
 * server cannot validate is `invalid_request` (RFC 8693 §2.2.2).
 */
async function presentedToken(
  settings: GrantSettings,
  label: 'subject_token' | 'actor_token',
  value: string,
  type: string,
): Promise<PresentedToken> {
  const { oauthError } = settings;
  const invalid = (): Error =>
    oauthError('invalid_grant', `${label} is invalid, expired, or was not issued by this server`);
  const now = Math.floor(Date.now() / 1000);

  if (type === ACCESS_TOKEN_TYPE && value.split('.').length === 3) {
    // A JWT access token of the JWT resource: checked as the resource server does, by signature.
    return verifiedJwt(settings, value, AT_JWT, invalid);
  }
  if (type === ACCESS_TOKEN_TYPE) {
    const token =
      (await settings.provider.AccessToken.find(value)) ??
      (await settings.provider.ClientCredentials.find(value));
    if (token === undefined || !token.isValid || token.exp === undefined || token.exp <= now) {
      throw invalid();
    }
    const extra = token.extra ?? {};
    return {
      sub: token.accountId ?? stringClaim(extra.sub) ?? token.clientId,
      accountId: token.accountId,
      clientId: token.clientId,
      scopes: scopeList(token.scope) ?? [],
      exp: token.exp,
      mayAct: mayActClaim(extra.may_act),
      act: actClaim(extra.act),
      username: stringClaim(extra.username),
    };
  }

  if (type === JWT_TOKEN_TYPE) return verifiedJwt(settings, value, 'JWT', invalid);

  throw oauthError('invalid_request', `unsupported ${label}_type ${type}`);
}

/** A JWT this server signed, with header type `typ`, as a presented token. */
async function verifiedJwt(
  settings: GrantSettings,
  value: string,
  typ: string,
  invalid: () => Error,
): Promise<PresentedToken> {
  const now = Math.floor(Date.now() / 1000);
  const { publicKey, alg } = settings.signingKey;
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(value, publicKey, {
      issuer: settings.provider.issuer,
      algorithms: [alg],
      typ,
      requiredClaims: ['sub', 'exp'],
    }));
  } catch {
    throw invalid();
  }
  const sub = stringClaim(payload.sub);
  const clientId = stringClaim(payload.client_id);
  const exp = payload.exp;
  if (sub === undefined || clientId === undefined || typeof exp !== 'number' || exp <= now) {
    throw invalid();
  }
  return {
    sub,
    accountId: undefined,
    clientId,
    scopes: scopeList(stringClaim(payload.scope)) ?? [],
    exp,
    mayAct: mayActClaim(payload.may_act),
    act: actClaim(payload.act),
    username: stringClaim(payload.username),
  };
}

/**
 * `may_act.client_id` names the clients that may exchange the token; `may_act.sub` names who may
 * act — the actor token's subject in delegation, the calling client itself in impersonation. A
 * token without may_act may not be exchanged at all. Failures are `invalid_grant`: the grant (the
 * subject token) was not issued for this client.
 */
function checkMayAct(
  settings: GrantSettings,
  subject: PresentedToken,
  clientId: string,
  actor: PresentedToken | undefined,
): void {
  const { oauthError } = settings;
  const mayAct = subject.mayAct;
  if (mayAct === undefined) {
    throw oauthError('invalid_grant', 'the subject token has no may_act claim, so nobody may exchange it');
  }
  if (mayAct.client_id !== undefined && !names(mayAct.client_id, clientId)) {
    throw oauthError('invalid_grant', `client ${clientId} is not named in the subject token's may_act`);
  }
  const acting = actor?.sub ?? clientId;
  if (mayAct.sub !== undefined && !names(mayAct.sub, acting)) {
    throw oauthError(
      'invalid_grant',
      `${actor ? 'actor' : 'client'} ${acting} is not named in the subject token's may_act.sub`,
    );
  }
}

/**
 * The issued scope: what was asked for, which must lie within both the subject token's scope and
 * the calling client's registered scope, or without a request the part of the subject token's
 * scope the client may hold.
 */
function narrowScope(
  settings: GrantSettings,
  client: Client,
  subjectScopes: string[],
  requested: string[] | undefined,
): string[] {
  const clientScopes = settings.scopesByClient.get(client.clientId) ?? [];
  const clientMay = (scope: string): boolean => clientScopes.includes(scope);
  if (requested === undefined) return subjectScopes.filter(clientMay);

  const beyondSubject = requested.filter((scope) => !subjectScopes.includes(scope));
  if (beyondSubject.length > 0) {
    throw settings.oauthError(
      'invalid_scope',
      `scope ${beyondSubject.join(' ')} is not within the subject token's scope`,
    );
  }
  const beyondClient = requested.filter((scope) => !clientMay(scope));
  if (beyondClient.length > 0) {
    throw settings.oauthError(
      'invalid_scope',
      `client ${client.clientId} may not obtain scope ${beyondClient.join(' ')}`,
    );
  }
  return requested;
}

/** audience and resource values, in request order without repeats, as the issued token's `aud`. */
function targets(
  settings: GrantSettings,
  audiences: string[],
  resources: string[],
): string | string[] | undefined {
  for (const resource of resources) {
    if (!URL.canParse(resource) || resource.includes('#')) {
      throw settings.oauthError(
        'invalid_target',
        `resource ${resource} is not an absolute URI without a fragment`,
      );
    }
  }
  const all = [...new Set([...audiences, ...resources])];
  const unknown = settings.allowedAudiences
    ? all.filter((target) => !settings.allowedAudiences?.has(target))
    : [];
  if (unknown.length > 0) {
    throw settings.oauthError('invalid_target', `unknown audience or resource ${unknown.join(' ')}`);
  }
  if (all.length === 0) return undefined;
  return all.length === 1 ? all[0] : all;
}

function single(params: Params, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function list(params: Params, name: string): string[] {
  const value = params[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((item) => item !== '');
}

function scopeList(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  return [...new Set(scope.split(' ').filter((item) => item !== ''))];
}

function names(allowed: string | string[], candidate: string): boolean {
  return Array.isArray(allowed) ? allowed.includes(candidate) : allowed === candidate;
}

function sameSecret(expected: string, actual: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(actual));
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringOrList(value: unknown): string | string[] | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mayActClaim(value: unknown): MayAct | undefined {
  if (!isRecord(value)) return undefined;
  const clientId = stringOrList(value.client_id);
  const sub = stringOrList(value.sub);
  if (clientId === undefined && sub === undefined) return undefined;
  return {
    ...(clientId !== undefined ? { client_id: clientId } : {}),
    ...(sub !== undefined ? { sub } : {}),
  };
}

function actClaim(value: unknown): ActClaim | undefined {
  if (!isRecord(value) || typeof value.sub !== 'string') return undefined;
  const previous = actClaim(value.act);
  return { sub: value.sub, ...(previous ? { act: previous } : {}) };
}
