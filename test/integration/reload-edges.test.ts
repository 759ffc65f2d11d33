import assert from 'node:assert/strict';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { getText } from '../fixtures/requests.js';
import { eventually, startTestGateway, type TestGateway } from '../fixtures/gateway.js';

const namedRoute = (name: string, entity: string): unknown => ({
  name,
  condition: `\${find(request.uri.path, '^/${name}$')}`,
  handler: { type: 'StaticResponseHandler', config: { status: 200, entity } },
});

let tg: TestGateway | undefined;

afterEach(async () => {
  await tg?.close();
  tg = undefined;
});

test('a route file renamed back and forth every 30 ms never makes its route disappear', async () => {
  // Padding makes each read take a while, so renames land between a scan's listing and its read.
  const route = { ...(namedRoute('moving', 'here') as object), _padding: 'x'.repeat(300_000) };
  tg = await startTestGateway({ routes: { 'a.json': route } });
  const { routesDir, url } = tg;
  const statuses = new Map<number, number>();
  let stop = false;
  const client = async (): Promise<void> => {
    while (!stop) {
      const { status } = await getText(`${url}/moving`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  const clients = Array.from({ length: 4 }, client);
  let names = ['a.json', 'b.json'];
  for (let step = 0; step < 100; step++) {
    await rename(join(routesDir, names[0]!), join(routesDir, names[1]!));
    names = [names[1]!, names[0]!];
    // Just past the watcher's 25 ms debounce: the next rename lands while a scan reads.
    await new Promise((done) => setTimeout(done, 27 + (step % 5)));
  }
  stop = true;
  await Promise.all(clients);
  const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
  assert.ok(answered > 100, `${answered} requests`);
  assert.deepEqual([...statuses.keys()], [200], `statuses: ${JSON.stringify([...statuses])}`);
  assert.equal(tg.logs.filter((l) => l.code === 'TG_CONFIG_DUPLICATE_NAME').length, 0);
});

test('a route that lost its name to another file takes over once that file is gone', async () => {
  tg = await startTestGateway({
    routes: { 'a.json': namedRoute('clash', 'from a'), 'b.json': namedRoute('clash', 'from b') },
  });
  assert.deepEqual(await getText(`${tg.url}/clash`), { status: 200, body: 'from a' });
  const clash = tg.logs.find((l) => l.code === 'TG_CONFIG_DUPLICATE_NAME');
  assert.match(String(clash?.place), /b\.json#\/name$/);
  await rm(join(tg.routesDir, 'a.json'));
  await eventually(async () =>
    assert.deepEqual(await getText(`${tg!.url}/clash`), { status: 200, body: 'from b' }),
  );
});

test('a route that lost its name takes over once the other file renames its route', async () => {
  tg = await startTestGateway({
    routes: { 'a.json': namedRoute('clash', 'from a'), 'b.json': namedRoute('clash', 'from b') },
  });
  await tg.writeRoute('a.json', namedRoute('other', 'a renamed'));
  await eventually(async () => {
    assert.deepEqual(await getText(`${tg!.url}/other`), { status: 200, body: 'a renamed' });
    assert.deepEqual(await getText(`${tg!.url}/clash`), { status: 200, body: 'from b' });
  });
});
