import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Entity } from '../../../src/http/entity.js';
import { Headers } from '../../../src/http/headers.js';
import { Response } from '../../../src/http/message.js';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { harness, run } from './harness.js';

const locationFilter = (config: unknown, h = harness()): Filter =>
  h.build<Filter>([{ name: 'f', type: 'LocationHeaderFilter', config }], 'f', 'Filter');

const answering = (status: number, location: string): Handler => ({
  async handle() {
    return new Response({
      status,
      headers: Headers.fromRecord({ Location: [location] }),
      entity: new Entity(''),
    });
  },
});

describe('LocationHeaderFilter', () => {
  test('a redirect to the application points at the gateway the client reached, path and query kept', async () => {
    const h = harness();
    const { response } = await run(
      locationFilter({}, h),
      h.incoming({ url: 'http://gateway.test:8080/app' }),
      answering(302, 'http://app.internal:8081/home?tab=2#top'),
    );
    assert.equal(response.headers.first('Location'), 'http://gateway.test:8080/home?tab=2#top');
  });

  test('baseURI, an expression, gives the base; a 200’s Location and a relative one stay as they are', async () => {
    const h = harness();
    const filter = locationFilter({ baseURI: "https://${request.headers['X-Host'][0]}:8443" }, h);
    const redirected = await run(
      filter,
      h.incoming({ headers: { 'X-Host': 'www.example.com' } }),
      answering(201, 'http://app/items/7'),
    );
    assert.equal(redirected.response.headers.first('Location'), 'https://www.example.com:8443/items/7');
    const ok = await run(filter, h.incoming({ headers: { 'X-Host': 'x' } }), answering(200, 'http://app/a'));
    assert.equal(ok.response.headers.first('Location'), 'http://app/a');
    const relative = await run(filter, h.incoming({ headers: { 'X-Host': 'x' } }), answering(303, '/b'));
    assert.equal(relative.response.headers.first('Location'), '/b');
  });

  test('a baseURI that gives no absolute URI leaves the Location and logs TG_BASE_URI_INVALID', async () => {
    const h = harness();
    const { response } = await run(
      locationFilter({ baseURI: '${null}' }, h),
      h.incoming(),
      answering(302, 'http://app/x'),
    );
    assert.equal(response.headers.first('Location'), 'http://app/x');
    assert.ok(h.logs.some((line) => line.code === 'TG_BASE_URI_INVALID'));
  });
});
