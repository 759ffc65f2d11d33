/** What the table needs of a route: the literal start of every path it accepts, if known. */
export interface Prefixed {
  readonly pathPrefix: string | undefined;
}

/** One character of the prefixes: the routes whose prefix ends here, by their place in the order. */
interface PrefixNode {
  readonly next: Map<number, PrefixNode>;
  readonly ends: number[];
}

const newNode = (): PrefixNode => ({ next: new Map(), ends: [] });

/**
 * The routes in the order they are tried, and a tree of their path prefixes. For a request it
 * gives the routes that can take it, in the same order: those without a prefix and those whose
 * prefix starts the path. Finding them walks the path's first characters, so the route count
 * does not matter, and a request never touches the routes it cannot match.
 */
export class RouteTable<R extends Prefixed> {
  readonly routes: readonly R[];
  readonly #root: PrefixNode = newNode();
  /** Places of the routes without a prefix, ascending. */
  readonly #unprefixed: readonly number[];
  readonly #unprefixedRoutes: readonly R[];

  constructor(routes: readonly R[]) {
    this.routes = routes;
    const unprefixed: number[] = [];
    routes.forEach((route, place) => {
      const prefix = route.pathPrefix;
      if (prefix === undefined || prefix === '') {
        unprefixed.push(place);
        return;
      }
      let node = this.#root;
      for (let i = 0; i < prefix.length; i++) {
        const code = prefix.charCodeAt(i);
        let child = node.next.get(code);
        if (child === undefined) node.next.set(code, (child = newNode()));
        node = child;
      }
      node.ends.push(place);
    });
    this.#unprefixed = unprefixed;
    this.#unprefixedRoutes = unprefixed.map((place) => routes[place]!);
  }

  /** The routes that can take a request for `path`, in the order they are tried. */
  candidates(path: string): readonly R[] {
    let found: number[] | undefined;
    let node = this.#root;
    for (let i = 0; i < path.length; i++) {
      const child = node.next.get(path.charCodeAt(i));
      if (child === undefined) break;
      node = child;
      if (node.ends.length > 0) found = found ? found.concat(node.ends) : node.ends;
    }
    if (found === undefined) return this.#unprefixedRoutes;
    const places =
      this.#unprefixed.length === 0 && found.length === 1
        ? found
        : [...found, ...this.#unprefixed].sort((a, b) => a - b);
    return places.map((place) => this.routes[place]!);
  }
}
