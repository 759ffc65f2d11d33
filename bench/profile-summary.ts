/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile DIR`, or `node --cpu-prof`):
 *   node dist/bench/profile-summary.js FILE.cpuprofile [--top 30] [--callers NAME] [--depth 8]
 * Prints self time by function, self time by module (file or package) and inclusive time of the
 * gateway's own functions (dist/src), each as a share of the busy (non-idle) time. With
 * `--callers NAME`, prints instead the commonest stacks (the innermost `--depth` frames) of the
 * samples in which a function named NAME is on the stack.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '30' },
    callers: { type: 'string' },
    depth: { type: 'string', default: '8' },
  },
});
const file = positionals[0];
if (file === undefined) {
  console.error(
    'usage: node dist/bench/profile-summary.js FILE.cpuprofile [--top N] [--callers NAME] [--depth N]',
  );
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

/** `…/node_modules/undici/lib/x.js` → `undici`; `…/dist/src/http/client.js` → `src/http/client.js`. */
function moduleOf(url: string): string {
  if (url === '') return '(native / V8)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length);
  return url.replace(/^file:\/\//, '');
}

function label(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  return `${name}  ${moduleOf(frame.url)}:${frame.lineNumber + 1}`;
}

const IDLE = new Set(['(idle)', '(program)']);
const callers = new Map<string, number>();
const depth = Number(values.depth);
const self = new Map<string, number>();
const selfByModule = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
let total = 0;
const add = (map: Map<string, number>, key: string, us: number): void =>
  void map.set(key, (map.get(key) ?? 0) + us);

for (let i = 0; i < profile.samples.length; i++) {
  const us = profile.timeDeltas[i] ?? 0;
  const node = byId.get(profile.samples[i]!);
  if (!node) continue;
  total += us;
  if (IDLE.has(node.callFrame.functionName)) continue;
  busy += us;
  if (values.callers !== undefined) {
    const stack: string[] = [];
    let found = false;
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      found ||= frame.functionName === values.callers;
      if (stack.length < depth) stack.push(label(frame));
    }
    if (found) add(callers, stack.join('\n           ← '), us);
  }
  add(self, label(node.callFrame), us);
  add(
    selfByModule,
    node.callFrame.url === '' ? node.callFrame.functionName || '(native)' : moduleOf(node.callFrame.url),
    us,
  );
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const frame = byId.get(id)!.callFrame;
    if (!frame.url.includes('/dist/src/')) continue;
    const key = label(frame);
    if (seen.has(key)) continue;
    seen.add(key);
    add(inclusive, key, us);
  }
}

const print = (title: string, map: Map<string, number>): void => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${((100 * us) / busy).toFixed(1).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`,
    );
  }
};

console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)} %)`,
);
if (values.callers !== undefined) {
  print(`stacks with ${values.callers} (innermost first)`, callers);
  process.exit(0);
}
print('self time by function', self);
print('self time by module', selfByModule);
print('inclusive time, gateway functions (dist/src)', inclusive);
