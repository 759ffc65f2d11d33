import { EOL, homedir, release, tmpdir, type, userInfo } from 'node:os';
import { delimiter, sep } from 'node:path';
import type { Environment } from '../http/exchange.js';

/** What expressions, tokens and secret stores read of the process: its variables and properties. */
export function toEnvironment(env: Readonly<Record<string, string | undefined>>): Environment {
  const clean: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(env)) if (value !== undefined) clean[name] = value;
  return Object.freeze({ env: Object.freeze(clean), system: systemProperties() });
}

/**
 * What `system[...]` reads: the Java system properties PingGateway routes use, with this process's
 * values (`os.name` as os.type() gives it: `Linux`, `Darwin`, `Windows_NT`), and `node.version`.
 */
export function systemProperties(): Readonly<Record<string, string>> {
  const system: Record<string, string> = Object.create(null);
  system['os.name'] = type();
  system['os.arch'] = process.arch;
  system['os.version'] = release();
  system['user.dir'] = process.cwd();
  system['user.home'] = homedir();
  system['java.io.tmpdir'] = tmpdir();
  system['file.separator'] = sep;
  system['path.separator'] = delimiter;
  system['line.separator'] = EOL;
  system['node.version'] = process.version;
  try {
    system['user.name'] = userInfo().username;
  } catch {
    // A uid with no passwd entry (a container's) has no name: the property is absent, as null.
  }
  return Object.freeze(system);
}
