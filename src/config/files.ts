/** The extensions of the files a Router loads as routes. */
export const routeExtensions: ReadonlySet<string> = new Set(['.json', '.yaml', '.yml']);
