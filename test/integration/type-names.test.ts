// PingGateway's route files name a type by its short name or by its class name; both must build
// the same objects. The same route is written both ways and the two answers compared.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

type Names = Record<
  | 'Chain'
  | 'ChainOfFilters'
  | 'HeaderFilter'
  | 'AssignmentFilter'
  | 'ConditionalFilter'
  | 'ConditionEnforcementFilter'
  | 'DispatchHandler'
  | 'SequenceHandler'
  | 'StaticResponseHandler',
  string
>;

const shortNames: Names = {
  Chain: 'Chain',
  ChainOfFilters: 'ChainOfFilters',
  HeaderFilter: 'HeaderFilter',
  AssignmentFilter: 'AssignmentFilter',
  ConditionalFilter: 'ConditionalFilter',
  ConditionEnforcementFilter: 'ConditionEnforcementFilter',
  DispatchHandler: 'DispatchHandler',
  SequenceHandler: 'SequenceHandler',
  StaticResponseHandler: 'StaticResponseHandler',
};

const classNames: Names = {
  Chain: 'org.forgerock.openig.filter.ChainHandlerHeaplet',
  ChainOfFilters: 'org.forgerock.openig.filter.ChainFilterHeaplet',
  HeaderFilter: 'org.forgerock.openig.filter.HeaderFilter',
  AssignmentFilter: 'org.forgerock.openig.filter.AssignmentFilter',
  ConditionalFilter: 'org.forgerock.openig.filter.ConditionalFilterHeaplet',
  ConditionEnforcementFilter: 'org.forgerock.openig.filter.ConditionEnforcementFilter',
  DispatchHandler: 'org.forgerock.openig.handler.DispatchHandler',
  SequenceHandler: 'org.forgerock.openig.handler.SequenceHandler',
  StaticResponseHandler: 'org.forgerock.openig.handler.StaticResponseHandler',
};

/** One route under `/<prefix>`, every type in it named from `names`. */
function route(prefix: string, names: Names): unknown {
  return {
    name: prefix,
    condition: `\${find(request.uri.path, '^/${prefix}/')}`,
    heap: [
      {
        name: 'answer',
        type: names.StaticResponseHandler,
        config: { status: 201, headers: { 'X-Seen': ['${attributes.seen}'] }, entity: 'answered' },
      },
    ],
    handler: {
      type: names.Chain,
      config: {
        filters: [
          {
            type: names.ChainOfFilters,
            config: {
              filters: [
                {
                  type: names.HeaderFilter,
                  config: { messageType: 'RESPONSE', add: { 'X-Added': ['yes'] } },
                },
                {
                  type: names.ConditionalFilter,
                  config: {
                    condition: "${request.method == 'GET'}",
                    delegate: {
                      type: names.AssignmentFilter,
                      config: { onRequest: [{ target: '${attributes.seen}', value: 'assigned' }] },
                    },
                  },
                },
                {
                  type: names.ConditionEnforcementFilter,
                  config: { condition: "${request.headers['X-Deny'] == null}" },
                },
              ],
            },
          },
        ],
        handler: {
          type: names.DispatchHandler,
          config: {
            bindings: [
              {
                condition: "${find(request.uri.path, '/sequence$')}",
                handler: { type: names.SequenceHandler, config: { bindings: [{ handler: 'answer' }] } },
              },
              { handler: 'answer' },
            ],
          },
        },
      },
    },
  };
}

let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway({
    routes: { 'short.json': route('short', shortNames), 'class.json': route('class', classNames) },
  });
});

after(async () => {
  await gateway.close();
});

async function answer(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}${path}`, { headers });
  return {
    status: response.status,
    seen: response.headers.get('x-seen'),
    added: response.headers.get('x-added'),
    body: await response.text(),
  };
}

test('a route naming its types by class name loads and answers as the one using short names', async () => {
  for (const path of ['/direct', '/sequence']) {
    const short = await answer(`/short${path}`);
    assert.deepEqual(short, { status: 201, seen: 'assigned', added: 'yes', body: 'answered' }, path);
    assert.deepEqual(await answer(`/class${path}`), short, path);
  }
  const denied = await answer('/short/direct', { 'X-Deny': '1' });
  assert.equal(denied.status, 403);
  assert.deepEqual(await answer('/class/direct', { 'X-Deny': '1' }), denied);
});
