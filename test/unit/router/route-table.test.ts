import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteTable } from '../../../src/router/route-table.js';

interface FakeRoute {
  readonly name: string;
  readonly pathPrefix: string | undefined;
}

const route = (name: string, pathPrefix?: string): FakeRoute => ({ name, pathPrefix });
const names = (routes: readonly FakeRoute[]): string[] => routes.map((r) => r.name);

/** What the Router did before the table: every route in order, skipping those whose prefix the path lacks. */
const linear = (routes: readonly FakeRoute[], path: string): string[] =>
  names(routes.filter((r) => r.pathPrefix === undefined || path.startsWith(r.pathPrefix)));

test('a path gets the routes its prefix allows and the unprefixed ones, in route order', () => {
  const routes = [
    route('a', '/api/'),
    route('any'),
    route('b', '/api/v2/'),
    route('c', '/static'),
    route('d', '/api/'),
    route('last'),
  ];
  const table = new RouteTable(routes);
  assert.deepEqual(names(table.candidates('/api/v2/orders')), ['a', 'any', 'b', 'd', 'last']);
  assert.deepEqual(names(table.candidates('/api/v1')), ['a', 'any', 'd', 'last']);
  assert.deepEqual(names(table.candidates('/static/x.css')), ['any', 'c', 'last']);
  assert.deepEqual(names(table.candidates('/other')), ['any', 'last']);
  assert.deepEqual(names(table.candidates('')), ['any', 'last']);
  assert.equal(table.routes, routes);
});

test('with a hundred prefixed routes, only the one whose prefix matches is a candidate', () => {
  const routes = Array.from({ length: 100 }, (_, i) => route(`r${i}`, `/r${String(i).padStart(3, '0')}/`));
  const table = new RouteTable(routes);
  assert.deepEqual(names(table.candidates('/r099/bench/small')), ['r99']);
  assert.deepEqual(names(table.candidates('/r09')), []);
  assert.deepEqual(names(table.candidates('/r100/')), []);
});

test('gives what the linear scan gives, for every path over a mixed set', () => {
  const prefixes = [undefined, '/', '/a', '/a/', '/ab', '/a/b', '/b', '/é/', '/a', undefined, '/a/b/c'];
  const routes = prefixes.map((p, i) => route(`n${i}`, p));
  const table = new RouteTable(routes);
  const paths = ['', '/', '/a', '/a/', '/ab', '/abc', '/a/b', '/a/b/c/d', '/b', '/bb', '/é/x', '/e/x', 'a'];
  for (const path of paths) assert.deepEqual(names(table.candidates(path)), linear(routes, path), path);
});

test('an empty table has no candidates', () => {
  assert.deepEqual(new RouteTable<FakeRoute>([]).candidates('/x'), []);
});
