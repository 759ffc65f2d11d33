import { extname } from 'node:path';

/** The extensions of the files a Router loads as routes. */
const routeExtensions: ReadonlySet<string> = new Set(['.json', '.yaml', '.yml']);

/**
 * Whether a file name in a routes directory names a route file: a route extension, and not a
 * hidden file nor an editor's or tool's leftover. Editors write `.x.json.swp` (vim), `.#x.json`
 * (emacs' lock), `#x.json#` (emacs' autosave) and `x.json~` (backups), and `.x.json` is how many
 * tools hide a file being written or a file set aside; loading any of them as a route would serve
 * half a save or a version the operator meant to keep out.
 */
export function isRouteFileName(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('#')) return false;
  return routeExtensions.has(extname(name).toLowerCase());
}
