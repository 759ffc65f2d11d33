// Turns the measurements into the summary (medians of per-repetition ratios), the markdown table
// and a hand-written SVG bar chart.
import type { Direction } from './bodies.js';

export type LoadCaseId =
  | 'nginx'
  | 'pass'
  | 'headers'
  | 'exchange'
  | 'pass-paced'
  | 'exchange-cached'
  | 'exchange-redis'
  | 'exchange-redis-miss'
  | 'routes100'
  | 'pass-access-log'
  | 'minimal'
  | 'minimal-exchange'
  | 'minimal-paced'
  | 'static'
  | 'static-units2';

export const LOAD_CASE_TITLES: Readonly<Record<LoadCaseId, string>> = {
  nginx: 'nginx: pass-through (baseline)',
  pass: '1. pass-through',
  headers: '2. 10 HeaderFilters + regex condition',
  exchange: '3. token exchange, cache off',
  'pass-paced': "3r. pass-through at case 3's req/s (paced)",
  'exchange-cached': '4. token exchange, cache hits',
  'exchange-redis': '9. token exchange, Redis cache hits through the in-process front',
  'exchange-redis-miss': '9m. token exchange, Redis cache, no front: every lookup a Redis GET',
  routes100: '5. 100 routes, last one matches',
  'pass-access-log': '7. pass-through, access log on (to a file)',
  minimal: 'm1. minimal undici proxy: pass-through',
  'minimal-exchange': 'm3. minimal undici proxy + one token exchange',
  'minimal-paced': "m3r. minimal pass-through at m3's req/s (paced)",
  static: '8. StaticResponseHandler, 1 unit',
  'static-units2': '8u. StaticResponseHandler, 2 units',
};

/** The case each one is read against ("vs" column): Tollgate's pass-through, or the minimal proxy's. */
const PASS_REFERENCE: Partial<Record<LoadCaseId, LoadCaseId>> = {
  pass: 'minimal',
  headers: 'pass',
  exchange: 'pass',
  'exchange-cached': 'pass',
  'exchange-redis': 'exchange-cached',
  'exchange-redis-miss': 'exchange-cached',
  routes100: 'pass',
  'pass-access-log': 'pass',
  'minimal-exchange': 'minimal',
  'static-units2': 'static',
};

/** The pass-through paced to the same req/s, for the exchange cases. */
const PACED_REFERENCE: Partial<Record<LoadCaseId, LoadCaseId>> = {
  exchange: 'pass-paced',
  'minimal-exchange': 'minimal-paced',
};

export interface LoadMeasure {
  readonly case: LoadCaseId;
  readonly repetition: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly errors: number;
  /** The req/s the load was paced to (wrk's delay), when it was. */
  readonly pacedTo?: number;
  /** Proxy process CPU (utime+stime; nginx: master + worker) per request, µs. */
  readonly cpuUsPerRequest: number;
  /** The dev AS process's CPU per request, µs (exchange cases). */
  readonly asCpuUsPerRequest?: number;
  readonly backendCpuUsPerRequest: number;
  /** Proxy RSS after the run (nginx: worker), MiB. */
  readonly rssMiB: number;
  readonly peakRssMiB: number;
}

export interface BodyMeasure {
  readonly target: 'nginx' | 'tollgate';
  readonly repetition: number;
  readonly direction: Direction;
  readonly mib: number;
  readonly requests: number;
  readonly megabytesPerSecond: number;
  /** Peak RSS during the run minus RSS before it, MiB (nginx: worker). */
  readonly peakGrowthMiB: number;
  readonly cpuUsPerMiB: number;
}

export interface CaseSummary {
  readonly case: LoadCaseId;
  readonly title: string;
  readonly repetitions: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerRequest: number;
  readonly asCpuUsPerRequest?: number;
  readonly rssMiB: number;
  readonly vsNginx: { requestsPerSecond: number; p99: number; cpuPerRequest: number };
  /** Against its PASS_REFERENCE case (named), in the same repetition. */
  readonly vsPassThrough?: {
    reference: LoadCaseId;
    requestsPerSecond: number;
    p99: number;
    cpuPerRequest: number;
  };
  /** An exchange case against its pass-through paced to the same rate, in the same repetition. */
  readonly vsPacedPassThrough?: { requestsPerSecond: number; cpuPerRequest: number };
}

export interface BodySummary {
  readonly direction: Direction;
  readonly mib: number;
  readonly nginxMegabytesPerSecond: number;
  readonly tollgateMegabytesPerSecond: number;
  readonly vsNginx: number;
  readonly tollgatePeakGrowthMiBMedian: number;
  readonly tollgatePeakGrowthMiBMax: number;
  readonly nginxPeakGrowthMiBMax: number;
  readonly tollgateCpuUsPerMiB: number;
  readonly nginxCpuUsPerMiB: number;
}

export interface Target {
  readonly id: string;
  readonly description: string;
  readonly measured: number | undefined;
  readonly unit: string;
  readonly pass: boolean | undefined;
}

export interface Report {
  readonly generatedAt: string;
  readonly machine: { cpus: number; node: string; nginx: string; kernel: string };
  readonly settings: Record<string, unknown>;
  readonly cases: CaseSummary[];
  readonly bodies: BodySummary[];
  readonly targets: Target[];
  readonly errors: string[];
  readonly raw: { load: LoadMeasure[]; bodies: BodyMeasure[] };
}

export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median over repetitions of `ratio(measure, reference in the same repetition)`. */
function ratioMedian(
  load: readonly LoadMeasure[],
  id: LoadCaseId,
  reference: LoadCaseId,
  pick: (m: LoadMeasure) => number,
): number {
  const ratios = load
    .filter((m) => m.case === id)
    .map((m) => {
      const ref = load.find((r) => r.case === reference && r.repetition === m.repetition);
      return ref ? pick(m) / pick(ref) : NaN;
    });
  return median(ratios);
}

export function summarize(load: readonly LoadMeasure[], bodies: readonly BodyMeasure[]) {
  const ids = (Object.keys(LOAD_CASE_TITLES) as LoadCaseId[]).filter((id) => load.some((m) => m.case === id));
  const cases: CaseSummary[] = ids.map((id) => {
    const runs = load.filter((m) => m.case === id);
    const med = (pick: (m: LoadMeasure) => number): number => median(runs.map(pick));
    const ratios = (reference: LoadCaseId) => ({
      requestsPerSecond: ratioMedian(load, id, reference, (m) => m.requestsPerSecond),
      p99: ratioMedian(load, id, reference, (m) => m.p99Us),
      cpuPerRequest: ratioMedian(load, id, reference, (m) => m.cpuUsPerRequest),
    });
    const as = runs.flatMap((m) => (m.asCpuUsPerRequest === undefined ? [] : [m.asCpuUsPerRequest]));
    const reference = PASS_REFERENCE[id];
    const paced = PACED_REFERENCE[id];
    return {
      case: id,
      title: LOAD_CASE_TITLES[id],
      repetitions: runs.length,
      requestsPerSecond: med((m) => m.requestsPerSecond),
      p50Ms: med((m) => m.p50Us) / 1000,
      p99Ms: med((m) => m.p99Us) / 1000,
      cpuUsPerRequest: med((m) => m.cpuUsPerRequest),
      ...(as.length > 0 ? { asCpuUsPerRequest: median(as) } : {}),
      rssMiB: med((m) => m.rssMiB),
      vsNginx: ratios('nginx'),
      ...(reference !== undefined && load.some((m) => m.case === reference)
        ? { vsPassThrough: { reference, ...ratios(reference) } }
        : {}),
      ...(paced !== undefined && load.some((m) => m.case === paced)
        ? {
            vsPacedPassThrough: {
              requestsPerSecond: ratioMedian(load, id, paced, (m) => m.requestsPerSecond),
              cpuPerRequest: ratioMedian(load, id, paced, (m) => m.cpuUsPerRequest),
            },
          }
        : {}),
    };
  });

  const kinds = [...new Set(bodies.map((b) => `${b.direction}:${b.mib}`))];
  const bodySummaries: BodySummary[] = kinds.map((kind) => {
    const [direction, mibText] = kind.split(':') as [Direction, string];
    const mib = Number(mibText);
    const of = (target: BodyMeasure['target']) =>
      bodies.filter((b) => b.target === target && b.direction === direction && b.mib === mib);
    const tollgate = of('tollgate');
    const nginx = of('nginx');
    const ratios = tollgate.map((t) => {
      const ref = nginx.find((n) => n.repetition === t.repetition);
      return ref ? t.megabytesPerSecond / ref.megabytesPerSecond : NaN;
    });
    return {
      direction,
      mib,
      nginxMegabytesPerSecond: median(nginx.map((b) => b.megabytesPerSecond)),
      tollgateMegabytesPerSecond: median(tollgate.map((b) => b.megabytesPerSecond)),
      vsNginx: median(ratios),
      tollgatePeakGrowthMiBMedian: median(tollgate.map((b) => b.peakGrowthMiB)),
      tollgatePeakGrowthMiBMax: Math.max(...tollgate.map((b) => b.peakGrowthMiB)),
      nginxPeakGrowthMiBMax: Math.max(...nginx.map((b) => b.peakGrowthMiB)),
      tollgateCpuUsPerMiB: median(tollgate.map((b) => b.cpuUsPerMiB)),
      nginxCpuUsPerMiB: median(nginx.map((b) => b.cpuUsPerMiB)),
    };
  });
  return { cases, bodies: bodySummaries, targets: targets(cases, bodySummaries) };
}

function targets(cases: readonly CaseSummary[], bodies: readonly BodySummary[]): Target[] {
  const get = (id: LoadCaseId): CaseSummary | undefined => cases.find((c) => c.case === id);
  const check = (
    id: string,
    description: string,
    measured: number | undefined,
    unit: string,
    ok: (value: number) => boolean,
  ): Target => ({
    id,
    description,
    measured,
    unit,
    pass: measured === undefined || !Number.isFinite(measured) ? undefined : ok(measured),
  });
  const big = bodies.filter((b) => b.mib >= 50);
  return [
    check(
      'pass-rps',
      'pass-through req/s ≥ 0.45× nginx',
      get('pass')?.vsNginx.requestsPerSecond,
      '×',
      (v) => v >= 0.45,
    ),
    check(
      'units-rps',
      'StaticResponseHandler req/s with 2 units ≥ 1.6× one unit',
      get('static-units2')?.vsPassThrough?.requestsPerSecond,
      '×',
      (v) => v >= 1.6,
    ),
    check('pass-p99', 'pass-through p99 ≤ 2.5× nginx', get('pass')?.vsNginx.p99, '×', (v) => v <= 2.5),
    check(
      'cached-rps',
      'exchange with cache hits req/s ≥ 0.9× pass-through',
      get('exchange-cached')?.vsPassThrough?.requestsPerSecond,
      '×',
      (v) => v >= 0.9,
    ),
    check(
      'redis-rps',
      'exchange with Redis-backed cache hits req/s ≥ 0.9× in-memory cache hits',
      get('exchange-redis')?.vsPassThrough?.requestsPerSecond,
      '×',
      (v) => v >= 0.9,
    ),
    check(
      'exchange-cpu',
      'exchange without cache: gateway CPU/request ≤ 1.5× pass-through at the same req/s',
      get('exchange')?.vsPacedPassThrough?.cpuPerRequest,
      '×',
      (v) => v <= 1.5,
    ),
    check(
      'routes100-rps',
      '100 routes req/s ≥ 0.9× 1-route pass-through',
      get('routes100')?.vsPassThrough?.requestsPerSecond,
      '×',
      (v) => v >= 0.9,
    ),
    check(
      'access-log-rps',
      'pass-through with the access log on: req/s ≥ 0.9× with it off',
      get('pass-access-log')?.vsPassThrough?.requestsPerSecond,
      '×',
      (v) => v >= 0.9,
    ),
    check(
      'access-log-cpu',
      'pass-through with the access log on: CPU/request ≤ 1.1× with it off',
      get('pass-access-log')?.vsPassThrough?.cpuPerRequest,
      '×',
      (v) => v <= 1.1,
    ),
    check(
      'body50-rss',
      '50 MiB body: Tollgate peak RSS growth < 64 MiB (max over runs)',
      big.length > 0 ? Math.max(...big.map((b) => b.tollgatePeakGrowthMiBMax)) : undefined,
      'MiB',
      (v) => v < 64,
    ),
  ];
}

const CASE_TARGETS: Partial<Record<LoadCaseId, string[]>> = {
  pass: ['pass-rps', 'pass-p99'],
  exchange: ['exchange-cpu'],
  'exchange-cached': ['cached-rps'],
  'exchange-redis': ['redis-rps'],
  routes100: ['routes100-rps'],
  'pass-access-log': ['access-log-rps', 'access-log-cpu'],
};

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function verdict(target: Target | undefined): string {
  if (!target) return '';
  return target.pass === undefined ? 'n/a' : target.pass ? '**pass**' : '**FAIL**';
}

export function markdown(report: Report): string {
  const byId = new Map(report.targets.map((t) => [t.id, t]));
  const lines: string[] = [];
  lines.push(`# Tollgate benchmark — ${report.generatedAt}`, '');
  lines.push(
    `${report.machine.cpus} CPUs, Node ${report.machine.node}, ${report.machine.nginx}, Linux ${report.machine.kernel}. ` +
      `Load: \`wrk -t${String(report.settings.threads)} -c${String(report.settings.connections)} -d${String(report.settings.durationSeconds)}s --latency\` ` +
      `after a ${String(report.settings.warmupSeconds)} s warm-up; ${String(report.settings.repetitions)} interleaved repetitions; ` +
      'every case sends the same request, with a bearer token; ' +
      "case 3r is case 1 paced (wrk's delay) to the req/s case 3 reached just before; " +
      'each figure is the median over repetitions, each ratio the median of per-repetition ratios.',
    '',
  );
  lines.push(
    '| case | req/s | p50 ms | p99 ms | CPU µs/req | RSS MiB | req/s × nginx | p99 × nginx | CPU × nginx | vs its reference (req/s, CPU) | target | result |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  );
  for (const c of report.cases) {
    const ids = CASE_TARGETS[c.case] ?? [];
    const cpu =
      c.asCpuUsPerRequest === undefined
        ? fixed(c.cpuUsPerRequest, 0)
        : `${fixed(c.cpuUsPerRequest, 0)} (+ AS ${fixed(c.asCpuUsPerRequest, 0)})`;
    const vsPaced = c.vsPacedPassThrough
      ? `; at equal req/s: CPU ${fixed(c.vsPacedPassThrough.cpuPerRequest, 2)}×`
      : '';
    const vsPass = c.vsPassThrough
      ? `${fixed(c.vsPassThrough.requestsPerSecond, 2)}×, ${fixed(c.vsPassThrough.cpuPerRequest, 2)}× ` +
        `(vs ${LOAD_CASE_TITLES[c.vsPassThrough.reference].split('.')[0]!})${vsPaced}`
      : '';
    lines.push(
      `| ${c.title} | ${fixed(c.requestsPerSecond, 0)} | ${fixed(c.p50Ms, 2)} | ${fixed(c.p99Ms, 2)} | ${cpu} | ${fixed(c.rssMiB, 0)} | ` +
        `${fixed(c.vsNginx.requestsPerSecond, 2)} | ${fixed(c.vsNginx.p99, 2)} | ${fixed(c.vsNginx.cpuPerRequest, 2)} | ${vsPass} | ` +
        `${ids.map((id) => byId.get(id)?.description ?? id).join('; ')} | ${ids.map((id) => verdict(byId.get(id))).join(', ')} |`,
    );
  }
  if (report.bodies.length > 0) {
    lines.push(
      '',
      '| 6. body through the proxy | nginx MB/s | Tollgate MB/s | × nginx | Tollgate CPU µs/MiB | nginx CPU µs/MiB | Tollgate peak RSS growth MiB (median / max) | nginx worker peak growth MiB (max) | target | result |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    );
    for (const b of report.bodies) {
      const target = b.mib >= 50 ? byId.get('body50-rss') : undefined;
      lines.push(
        `| ${b.mib} MiB ${b.direction} | ${fixed(b.nginxMegabytesPerSecond, 0)} | ${fixed(b.tollgateMegabytesPerSecond, 0)} | ${fixed(b.vsNginx, 2)} | ` +
          `${fixed(b.tollgateCpuUsPerMiB, 0)} | ${fixed(b.nginxCpuUsPerMiB, 0)} | ` +
          `${fixed(b.tollgatePeakGrowthMiBMedian, 1)} / ${fixed(b.tollgatePeakGrowthMiBMax, 1)} | ${fixed(b.nginxPeakGrowthMiBMax, 1)} | ` +
          `${target ? '< 64 MiB' : ''} | ${verdict(target)} |`,
      );
    }
  }
  lines.push('', '| target | measured | result |', '| --- | ---: | --- |');
  for (const t of report.targets)
    lines.push(`| ${t.description} | ${fixed(t.measured, 2)} ${t.unit} | ${verdict(t)} |`);
  if (report.errors.length > 0) {
    lines.push('', '## Errors', '');
    for (const error of report.errors) lines.push(`- ${error.replaceAll('\n', ' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Two horizontal bar charts side by side: req/s and p99 per case. */
export function svg(report: Report): string {
  const rows = report.cases;
  const labelWidth = 270;
  const barWidth = 300;
  const panelWidth = labelWidth + barWidth + 70;
  const rowHeight = 26;
  const top = 50;
  const height = top + rows.length * rowHeight + 30;
  const parts: string[] = [];
  const panel = (
    x0: number,
    title: string,
    pick: (c: CaseSummary) => number,
    digits: number,
    unit: string,
  ): void => {
    const max = Math.max(...rows.map(pick).filter(Number.isFinite), 1e-9);
    parts.push(`<text x="${x0 + labelWidth}" y="30" font-weight="bold">${escapeXml(title)}</text>`);
    rows.forEach((c, i) => {
      const y = top + i * rowHeight;
      const value = pick(c);
      const w = Number.isFinite(value) ? Math.max(1, (value / max) * barWidth) : 0;
      const fill = c.case === 'nginx' ? '#888888' : '#2f6db5';
      parts.push(
        `<text x="${x0 + labelWidth - 8}" y="${y + 16}" text-anchor="end">${escapeXml(c.title)}</text>`,
        `<rect x="${x0 + labelWidth}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${fill}"/>`,
        `<text x="${x0 + labelWidth + w + 6}" y="${y + 16}">${Number.isFinite(value) ? value.toFixed(digits) : '–'} ${unit}</text>`,
      );
    });
  };
  panel(0, 'requests per second (higher is better)', (c) => c.requestsPerSecond, 0, '');
  panel(panelWidth, 'p99 latency (lower is better)', (c) => c.p99Ms, 2, 'ms');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${panelWidth * 2}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts,
    `<text x="8" y="${height - 10}" fill="#555555">${escapeXml(`Tollgate benchmark ${report.generatedAt}; medians of ${String(report.settings.repetitions)} repetitions`)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
