// Runs every compiled test file with the Node binary that runs this script, so the same command
// serves Node 20 and Node 24 in CI. `--only unit|integration` narrows the set.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;
const root = only ? join('dist', 'test', only) : join('dist', 'test');

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return collect(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const files = collect(root).sort();
if (files.length === 0) {
  console.error(`no test files under ${root}; run the build first`);
  process.exit(1);
}
// A file that never finishes (a child stuck before its first test, say) fails after 15 minutes
// instead of holding the whole run: the timeout bounds each file as well as each test in it.
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=900000', ...files],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
