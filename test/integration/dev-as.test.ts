import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  SignJWT,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import type { JSONWebKeySet } from 'jose';
import {
  ACCESS_TOKEN_TYPE,
  JWT_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  startDevAs,
} from '../../examples/dev-as/server.js';
import type { DevAs } from '../../examples/dev-as/server.js';

interface Answer {
  status: number;
  contentType: string | null;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

type Form = Record<string, string | string[]>;

function basic(clientId: string, secret: string): string {
  const encoded = `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`;
  return `Basic ${Buffer.from(encoded).toString('base64')}`;
}

async function post(url: string, form: Form, authorization?: string): Promise<Answer> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization !== undefined ? { authorization } : {}),
    },
    body,
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Non-JSON answers are what the failure modes are about; callers look at `text`.
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headers: response.headers,
    text,
    json,
  };
}

async function passwordToken(as: DevAs, scope = 'mail employeenumber'): Promise<string> {
  const answer = await post(
    `${as.issuer}/access_token`,
    { grant_type: 'password', username: 'demo', password: 'Ch4ng31t', scope },
    basic('client-application', 'password'),
  );
  assert.equal(answer.status, 200, answer.text);
  return answer.json.access_token as string;
}

async function clientCredentialsToken(as: DevAs, clientId: string): Promise<string> {
  const answer = await post(
    as.tokenEndpoint,
    { grant_type: 'client_credentials' },
    basic(clientId, 'password'),
  );
  assert.equal(answer.status, 200, answer.text);
  return answer.json.access_token as string;
}

async function introspect(as: DevAs, token: string): Promise<Record<string, unknown>> {
  const answer = await post(as.introspectionEndpoint, { token }, basic('ig_agent', 'password'));
  assert.equal(answer.status, 200, answer.text);
  return answer.json;
}

function exchangeForm(subjectToken: string, extra: Form = {}): Form {
  return {
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
    ...extra,
  };
}

const service = basic('serviceConfidentialClient', 'password');

let as: DevAs;
before(async () => {
  as = await startDevAs();
});
after(async () => {
  await as.close();
});

test('startDevAs answers on AM-style URLs', async () => {
  const origin = new URL(as.issuer).origin;
  assert.equal(as.url, `${origin}/openam/`);
  assert.equal(as.issuer, `${origin}/openam/oauth2`);
  assert.equal(as.tokenEndpoint, `${origin}/openam/oauth2/realms/root/access_token`);
  assert.equal(as.introspectionEndpoint, `${origin}/openam/oauth2/realms/root/introspect`);
  const jwks = (await (await fetch(as.jwksUri)).json()) as JSONWebKeySet;
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0]?.d, undefined, 'only the public key is published');
  const discovery = (await (await fetch(`${as.issuer}/.well-known/openid-configuration`)).json()) as Record<
    string,
    unknown
  >;
  assert.equal(discovery.token_endpoint, as.tokenEndpoint);
  assert.equal((await fetch(`${origin}/elsewhere`)).status, 404);
});

test('password grant issues a token on both token endpoint paths', async () => {
  for (const url of [as.tokenEndpoint, `${as.issuer}/access_token`]) {
    const answer = await post(
      url,
      { grant_type: 'password', username: 'demo', password: 'Ch4ng31t', scope: 'mail employeenumber' },
      basic('client-application', 'password'),
    );
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.equal(typeof answer.json.access_token, 'string');
    assert.equal(answer.json.token_type, 'Bearer');
    assert.equal(answer.json.expires_in, 3600);
    assert.equal(answer.json.scope, 'mail employeenumber');
  }
});

test('password grant refuses a wrong password and scopes beyond the client', async () => {
  const client = basic('client-application', 'password');
  const wrong = await post(
    as.tokenEndpoint,
    { grant_type: 'password', username: 'demo', password: 'nope' },
    client,
  );
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.error, 'invalid_grant');
  const scope = await post(
    as.tokenEndpoint,
    { grant_type: 'password', username: 'demo', password: 'Ch4ng31t', scope: 'mail admin' },
    client,
  );
  assert.equal(scope.json.error, 'invalid_scope');
});

test('introspection of the subject token shows the seed claims and may_act', async () => {
  const token = await passwordToken(as);
  // The seed introspects with the client's own credentials in the body.
  const answer = await post(as.introspectionEndpoint, {
    token,
    client_id: 'client-application',
    client_secret: 'password',
  });
  assert.equal(answer.status, 200, answer.text);
  const claims = answer.json;
  assert.equal(claims.active, true);
  assert.equal(claims.scope, 'mail employeenumber');
  assert.equal(claims.client_id, 'client-application');
  assert.equal(claims.sub, 'demo');
  assert.equal(claims.username, 'demo');
  assert.equal(claims.token_type, 'Bearer');
  assert.equal(claims.iss, as.issuer);
  assert.equal(typeof claims.exp, 'number');
  assert.deepEqual(claims.may_act, { client_id: 'serviceConfidentialClient' });
  // The short path the seed's curl uses works too.
  const short = await post(`${as.issuer}/introspect`, { token }, basic('ig_agent', 'password'));
  assert.equal(short.json.active, true);
  assert.deepEqual(await introspect(as, 'no-such-token'), { active: false });
});

test('serviceConfidentialClient exchanges with basic and with post auth, narrowing scope to mail', async () => {
  const post_ = { client_id: 'serviceConfidentialClient', client_secret: 'password' };
  for (const [form, auth] of [
    [{}, service],
    [post_, undefined],
  ] as const) {
    const subject = await passwordToken(as);
    const answer = await post(as.tokenEndpoint, exchangeForm(subject, { scope: 'mail', ...form }), auth);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.equal(answer.json.issued_token_type, ACCESS_TOKEN_TYPE);
    assert.equal(answer.json.token_type, 'Bearer');
    assert.equal(answer.json.scope, 'mail');
    assert.ok((answer.json.expires_in as number) <= 3600);
    assert.notEqual(answer.json.access_token, subject);

    const claims = await introspect(as, answer.json.access_token as string);
    assert.equal(claims.active, true);
    assert.equal(claims.client_id, 'serviceConfidentialClient');
    assert.equal(claims.scope, 'mail');
    assert.equal(claims.sub, 'demo');
    assert.equal(claims.username, 'demo');
    assert.deepEqual(claims.may_act, { client_id: 'serviceConfidentialClient' });
    assert.equal(claims.act, undefined);
  }
});

test('exchange without scope keeps the subject token scope; wider scope is invalid_scope', async () => {
  const subject = await passwordToken(as, 'mail');
  const same = await post(as.tokenEndpoint, exchangeForm(subject), service);
  assert.equal(same.json.scope, 'mail');
  const wider = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { scope: 'mail employeenumber' }),
    service,
  );
  assert.equal(wider.status, 400);
  assert.equal(wider.json.error, 'invalid_scope');
});

test('a wrong client secret is 401 invalid_client', async () => {
  const subject = await passwordToken(as);
  const viaBasic = await post(
    as.tokenEndpoint,
    exchangeForm(subject),
    basic('serviceConfidentialClient', 'nope'),
  );
  assert.equal(viaBasic.status, 401);
  assert.equal(viaBasic.json.error, 'invalid_client');
  assert.match(viaBasic.headers.get('www-authenticate') ?? '', /^Basic /);
  const viaPost = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { client_id: 'serviceConfidentialClient', client_secret: 'nope' }),
  );
  assert.equal(viaPost.status, 401);
  assert.equal(viaPost.json.error, 'invalid_client');
});

test('a client not named in may_act may not exchange (invalid_grant)', async () => {
  const subject = await passwordToken(as);
  const answer = await post(as.tokenEndpoint, exchangeForm(subject), basic('actorClient', 'password'));
  assert.equal(answer.status, 400);
  assert.equal(answer.json.error, 'invalid_grant');
  assert.match(answer.json.error_description as string, /may_act/);
  // A token without may_act (client_credentials of a client with no policy) is refused to everyone.
  const noMayAct = await clientCredentialsToken(as, 'actorClient');
  const refused = await post(as.tokenEndpoint, exchangeForm(noMayAct), service);
  assert.equal(refused.json.error, 'invalid_grant');
});

test("a client without the token-exchange grant gets unauthorized_client, or oidc-provider's own answer", async () => {
  const subject = await passwordToken(as);
  const answer = await post(as.tokenEndpoint, exchangeForm(subject), basic('client-application', 'password'));
  assert.equal(answer.status, 400);
  assert.equal(answer.json.error, 'unauthorized_client');
  const plain = await startDevAs({ grantTypeRefusal: 'invalid_request' });
  try {
    const refused = await post(
      plain.tokenEndpoint,
      exchangeForm(await passwordToken(plain)),
      basic('client-application', 'password'),
    );
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.json, {
      error: 'invalid_request',
      error_description: 'requested grant type is not allowed for this client',
    });
  } finally {
    await plain.close();
  }
});

test('delegation with an actor token puts act on the issued token, nested on re-delegation', async () => {
  const subject = await passwordToken(as);
  const actorToken = await clientCredentialsToken(as, 'actorClient');
  assert.equal((await introspect(as, actorToken)).sub, 'actorClient');

  const delegated = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { actor_token: actorToken, actor_token_type: ACCESS_TOKEN_TYPE, scope: 'mail' }),
    service,
  );
  assert.equal(delegated.status, 200, delegated.text);
  const claims = await introspect(as, delegated.json.access_token as string);
  assert.equal(claims.sub, 'demo');
  assert.equal(claims.client_id, 'serviceConfidentialClient');
  assert.deepEqual(claims.act, { sub: 'actorClient' });

  const secondActor = await passwordToken(as);
  const again = await post(
    as.tokenEndpoint,
    exchangeForm(delegated.json.access_token as string, {
      actor_token: secondActor,
      actor_token_type: ACCESS_TOKEN_TYPE,
    }),
    service,
  );
  assert.equal(again.status, 200, again.text);
  const nested = await introspect(as, again.json.access_token as string);
  assert.deepEqual(nested.act, { sub: 'demo', act: { sub: 'actorClient' } });
});

test('actor_token and actor_token_type go together; bad tokens and types are refused', async () => {
  const subject = await passwordToken(as);
  const actorToken = await clientCredentialsToken(as, 'actorClient');
  const missingType = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { actor_token: actorToken }),
    service,
  );
  assert.equal(missingType.json.error, 'invalid_request');
  const missingToken = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { actor_token_type: ACCESS_TOKEN_TYPE }),
    service,
  );
  assert.equal(missingToken.json.error, 'invalid_request');
  const badActor = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { actor_token: 'forged', actor_token_type: ACCESS_TOKEN_TYPE }),
    service,
  );
  assert.equal(badActor.json.error, 'invalid_grant');
  const unknownSubject = await post(as.tokenEndpoint, exchangeForm('forged'), service);
  assert.equal(unknownSubject.json.error, 'invalid_grant');
  const saml = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }),
    service,
  );
  assert.equal(saml.json.error, 'invalid_request');
  const requested = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { requested_token_type: 'urn:ietf:params:oauth:token-type:id_token' }),
    service,
  );
  assert.equal(requested.json.error, 'invalid_request');
  const noType = await post(
    as.tokenEndpoint,
    { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subject },
    service,
  );
  assert.equal(noType.json.error, 'invalid_request');
});

test('repeated audience and resource values all land in aud', async () => {
  const subject = await passwordToken(as);
  const two = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { audience: ['orders', 'billing'] }),
    service,
  );
  assert.equal(two.status, 200, two.text);
  assert.deepEqual((await introspect(as, two.json.access_token as string)).aud, ['orders', 'billing']);

  const mixed = await post(
    as.tokenEndpoint,
    exchangeForm(subject, {
      audience: 'orders',
      resource: ['https://api.example.com/a', 'https://api.example.com/b'],
    }),
    service,
  );
  assert.deepEqual((await introspect(as, mixed.json.access_token as string)).aud, [
    'orders',
    'https://api.example.com/a',
    'https://api.example.com/b',
  ]);

  const one = await post(as.tokenEndpoint, exchangeForm(subject, { audience: 'orders' }), service);
  assert.equal((await introspect(as, one.json.access_token as string)).aud, 'orders');

  const fragment = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { resource: 'https://api.example.com/#frag' }),
    service,
  );
  assert.equal(fragment.json.error, 'invalid_target');
  const relative = await post(as.tokenEndpoint, exchangeForm(subject, { resource: '/relative' }), service);
  assert.equal(relative.json.error, 'invalid_target');
});

test('audiences outside allowedAudiences are invalid_target', async () => {
  const limited = await startDevAs({ allowedAudiences: ['orders', 'https://api.example.com/'] });
  try {
    const subject = await passwordToken(limited);
    const known = await post(
      limited.tokenEndpoint,
      exchangeForm(subject, { audience: 'orders', resource: 'https://api.example.com/' }),
      service,
    );
    assert.equal(known.status, 200, known.text);
    const unknown = await post(
      limited.tokenEndpoint,
      exchangeForm(subject, { audience: ['orders', 'hr'] }),
      service,
    );
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error, 'invalid_target');
    assert.match(unknown.json.error_description as string, /hr/);
  } finally {
    await limited.close();
  }
});

test('an expired subject token is invalid_grant and expires_in never outlives the subject token', async () => {
  const shortLived = await startDevAs({ accessTokenTtlSeconds: 3 });
  try {
    const subject = await passwordToken(shortLived);
    const exp = (await introspect(shortLived, subject)).exp as number;
    await sleep(1000);
    const capped = await post(shortLived.tokenEndpoint, exchangeForm(subject), service);
    assert.equal(capped.status, 200, capped.text);
    const expiresIn = capped.json.expires_in as number;
    assert.ok(expiresIn <= 2 && expiresIn <= exp - Math.floor(Date.now() / 1000), `expires_in ${expiresIn}`);
    await sleep(exp * 1000 - Date.now() + 50);
    const expired = await post(shortLived.tokenEndpoint, exchangeForm(subject), service);
    assert.equal(expired.status, 400);
    assert.equal(expired.json.error, 'invalid_grant');
    assert.equal((await introspect(shortLived, subject)).active, false);
  } finally {
    await shortLived.close();
  }
});

test('requested_token_type jwt issues a signed JWT (token_type N_A) that can be exchanged again', async () => {
  const subject = await passwordToken(as);
  const answer = await post(
    as.tokenEndpoint,
    exchangeForm(subject, { requested_token_type: JWT_TOKEN_TYPE, scope: 'mail', audience: 'orders' }),
    service,
  );
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.json.issued_token_type, JWT_TOKEN_TYPE);
  assert.equal(answer.json.token_type, 'N_A');
  const jwks = (await (await fetch(as.jwksUri)).json()) as JSONWebKeySet;
  const { payload } = await jwtVerify(answer.json.access_token as string, createLocalJWKSet(jwks), {
    issuer: as.issuer,
    audience: 'orders',
  });
  assert.equal(payload.sub, 'demo');
  assert.equal(payload.client_id, 'serviceConfidentialClient');
  assert.equal(payload.scope, 'mail');
  assert.deepEqual(payload.may_act, { client_id: 'serviceConfidentialClient' });

  const again = await post(
    as.tokenEndpoint,
    exchangeForm(answer.json.access_token as string, { subject_token_type: JWT_TOKEN_TYPE }),
    service,
  );
  assert.equal(again.status, 200, again.text);
  assert.equal((await introspect(as, again.json.access_token as string)).sub, 'demo');
});

test('the password grant issues an RFC 9068 JWT for the JWT resource, verifiable with the JWKS and exchangeable', async () => {
  const answer = await post(
    as.tokenEndpoint,
    {
      grant_type: 'password',
      username: 'demo',
      password: 'Ch4ng31t',
      scope: 'mail',
      resource: as.jwtResource,
    },
    basic('client-application', 'password'),
  );
  assert.equal(answer.status, 200, answer.text);
  const token = answer.json.access_token as string;
  assert.equal(answer.json.token_type, 'Bearer');
  const jwks = (await (await fetch(as.jwksUri)).json()) as JSONWebKeySet;
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: as.issuer,
    audience: as.jwtResource,
  });
  assert.equal(protectedHeader.typ, 'at+jwt');
  assert.equal(payload.sub, 'demo');
  assert.equal(payload.scope, 'mail');
  assert.equal(payload.client_id, 'client-application');
  const introspected = await post(as.introspectionEndpoint, { token }, basic('ig_agent', 'password'));
  assert.equal(introspected.status, 400, 'a resource server verifies it itself');
  assert.equal(introspected.json.error, 'unsupported_token_type');

  const exchanged = await post(as.tokenEndpoint, exchangeForm(token, { scope: 'mail' }), service);
  assert.equal(exchanged.status, 200, exchanged.text);
  const info = await introspect(as, exchanged.json.access_token as string);
  assert.equal(info.active, true);
  assert.equal(info.sub, 'demo');

  const other = await post(
    as.tokenEndpoint,
    { grant_type: 'password', username: 'demo', password: 'Ch4ng31t', resource: 'https://elsewhere.test' },
    basic('client-application', 'password'),
  );
  assert.equal(other.status, 400);
  assert.equal(other.json.error, 'invalid_target');
});

test('private_key_jwt client authenticates with a registered key and either token endpoint as aud', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const withKey = await startDevAs({
    clients: [
      {
        clientId: 'jwtClient',
        grantTypes: ['client_credentials', TOKEN_EXCHANGE_GRANT],
        scope: 'mail employeenumber',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [jwk] },
        mayAct: { client_id: 'serviceConfidentialClient' },
      },
    ],
  });
  try {
    const assertion = (aud: string): Promise<string> =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('jwtClient')
        .setSubject('jwtClient')
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('1m')
        .setJti(randomUUID())
        .sign(privateKey);
    for (const [url, aud] of [
      [withKey.tokenEndpoint, withKey.tokenEndpoint],
      [`${withKey.issuer}/access_token`, `${withKey.issuer}/access_token`],
      [withKey.tokenEndpoint, withKey.issuer],
    ]) {
      const answer = await post(url as string, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion(aud as string),
      });
      assert.equal(answer.status, 200, `${aud}: ${answer.text}`);
      assert.equal(decodeProtectedHeader(withKey.clientAssertions().at(-1)!).kid, 'k1');
      // jwtClient's mayAct policy applies to its client_credentials tokens too.
      assert.deepEqual((await introspect(withKey, answer.json.access_token as string)).may_act, {
        client_id: 'serviceConfidentialClient',
      });
    }
    // Its client_credentials token (sub = client id) can then be exchanged by the named client.
    const ownToken = await post(withKey.tokenEndpoint, {
      grant_type: 'client_credentials',
      scope: 'mail',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await assertion(withKey.tokenEndpoint),
    });
    const exchanged = await post(
      withKey.tokenEndpoint,
      exchangeForm(ownToken.json.access_token as string),
      service,
    );
    assert.equal(exchanged.status, 200, exchanged.text);
    const claims = await introspect(withKey, exchanged.json.access_token as string);
    assert.equal(claims.sub, 'jwtClient');
    assert.equal(claims.client_id, 'serviceConfidentialClient');
    assert.equal(claims.scope, 'mail');
    const wrongAud = await post(withKey.tokenEndpoint, {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await assertion('https://elsewhere.example/'),
    });
    assert.equal(wrongAud.status, 401);
    assert.equal(wrongAud.json.error, 'invalid_client');
    // The other default clients are still there.
    await passwordToken(withKey);
  } finally {
    await withKey.close();
  }
  // The default jwtClient has no keys, so nothing can authenticate as it.
  const { privateKey: stranger } = await generateKeyPair('ES256');
  const refused = await post(as.tokenEndpoint, {
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('jwtClient')
      .setSubject('jwtClient')
      .setAudience(as.tokenEndpoint)
      .setIssuedAt()
      .setExpirationTime('1m')
      .setJti(randomUUID())
      .sign(stranger),
  });
  assert.equal(refused.status, 401);
});

test('setMode makes the token endpoint misbehave, and normal restores it', async () => {
  const faulty = await startDevAs();
  try {
    const subject = await passwordToken(faulty);

    faulty.setMode('html');
    const html = await post(faulty.tokenEndpoint, exchangeForm(subject), service);
    assert.equal(html.status, 200);
    assert.match(html.contentType ?? '', /^text\/html/);

    faulty.setMode('malformed-json');
    const malformed = await post(faulty.tokenEndpoint, exchangeForm(subject), service);
    assert.equal(malformed.status, 200);
    assert.match(malformed.contentType ?? '', /^application\/json/);
    assert.throws(() => JSON.parse(malformed.text) as unknown, SyntaxError);

    faulty.setMode('server-error');
    const unavailable = await post(faulty.tokenEndpoint, exchangeForm(subject), service);
    assert.equal(unavailable.status, 503);

    faulty.setMode('omit-issued-token-type');
    const omitted = await post(faulty.tokenEndpoint, exchangeForm(subject), service);
    assert.equal(omitted.status, 200, omitted.text);
    assert.equal(typeof omitted.json.access_token, 'string');
    assert.equal(omitted.json.token_type, 'Bearer');
    assert.equal('issued_token_type' in omitted.json, false);

    faulty.setMode('normal');
    const normal = await post(faulty.tokenEndpoint, exchangeForm(subject), service);
    assert.equal(normal.json.issued_token_type, ACCESS_TOKEN_TYPE);
    // Only the token endpoint misbehaves.
    faulty.setMode('server-error');
    assert.equal((await introspect(faulty, subject)).active, true);
  } finally {
    await faulty.close();
  }
});

test('setDelayMs delays token answers; tokenRequests counts token POSTs on both paths', async () => {
  const slow = await startDevAs();
  try {
    assert.equal(slow.tokenRequests(), 0);
    const subject = await passwordToken(slow);
    await post(`${slow.issuer}/access_token`, exchangeForm(subject), service);
    await introspect(slow, subject);
    assert.equal(slow.tokenRequests(), 2);

    slow.setDelayMs(300);
    const started = Date.now();
    const answer = await post(slow.tokenEndpoint, exchangeForm(subject), service);
    assert.equal(answer.status, 200);
    assert.ok(Date.now() - started >= 290, `answered after ${Date.now() - started} ms`);
    assert.equal(slow.tokenRequests(), 3);

    // A caller that gives up early still counts, and the server keeps serving.
    await assert.rejects(
      fetch(slow.tokenEndpoint, {
        method: 'POST',
        body: new URLSearchParams(exchangeForm(subject) as Record<string, string>),
        signal: AbortSignal.timeout(50),
      }),
    );
    slow.setDelayMs(0);
    assert.equal((await post(slow.tokenEndpoint, exchangeForm(subject), service)).status, 200);
    assert.equal(slow.tokenRequests(), 5);
    assert.throws(() => slow.setDelayMs(-1), RangeError);
  } finally {
    await slow.close();
  }
});

test('servers are independent and close() is idempotent', async () => {
  const other = await startDevAs({ users: { alice: 'secret' } });
  const subject = await passwordToken(as);
  assert.equal((await introspect(other, subject)).active, false);
  const alice = await post(
    other.tokenEndpoint,
    { grant_type: 'password', username: 'alice', password: 'secret' },
    basic('client-application', 'password'),
  );
  assert.equal(alice.status, 200, alice.text);
  const demo = await post(
    other.tokenEndpoint,
    { grant_type: 'password', username: 'demo', password: 'Ch4ng31t' },
    basic('client-application', 'password'),
  );
  assert.equal(demo.json.error, 'invalid_grant');
  await Promise.all([other.close(), other.close()]);
  await other.close();
  await assert.rejects(fetch(other.tokenEndpoint, { method: 'POST' }));
});

test('starts quickly on a custom issuer path', async () => {
  const started = Date.now();
  const custom = await startDevAs({ issuerPath: '/am/oauth2/' });
  try {
    assert.ok(Date.now() - started < 5000);
    assert.match(custom.url, /\/am\/$/);
    assert.match(custom.tokenEndpoint, /\/am\/oauth2\/realms\/root\/access_token$/);
    await passwordToken(custom);
  } finally {
    await custom.close();
  }
  await assert.rejects(startDevAs({ accessTokenTtlSeconds: 0 }), TypeError);
});
