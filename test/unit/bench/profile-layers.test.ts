/** The layer rules of bench/profile-layers.ts on a small made-up profile: who pays for node core and natives. */
import type { CpuProfile, ProfileNode } from '../../../bench/cpuprofile';
import { layersOf } from '../../../bench/profile-layers';

const MODULES = 'file:///srv/claimcheck/node_modules';
const DIST = 'file:///srv/claimcheck/dist/src';

/** A node; `children` by id. */
function frame(id: number, functionName: string, url: string, children: number[] = []): ProfileNode {
  return { id, callFrame: { functionName, url, lineNumber: 0 }, children };
}

const PROFILE: CpuProfile = {
  startTime: 0,
  samples: [],
  timeDeltas: [],
  nodes: [
    frame(1, '(root)', '', [2, 10, 20, 30, 31]),
    // A request: the HTTP front calls the service, which queries through mysql2, which writes to its socket.
    frame(2, 'handle', `${DIST}/server/http/frontend.js`, [3, 7]),
    frame(3, 'redeem', `${DIST}/codes/redeemer.js`, [4, 8]),
    frame(4, 'execute', `${MODULES}/mysql2/lib/base/connection.js`, [5]),
    frame(5, 'Socket._write', 'node:net', [6]),
    frame(6, 'writeBuffer', ''),
    frame(7, 'end', 'node:_http_outgoing', [9]),
    frame(8, 'digest', 'node:internal/crypto/hash'),
    frame(9, 'writev', ''),
    // The event loop reading a database socket: nothing above it has a layer, only mysql2 below.
    frame(10, 'onStreamRead', 'node:internal/stream_base_commons', [11]),
    frame(11, 'handlePacket', `${MODULES}/mysql2/lib/base/connection.js`),
    // A microtask run that reaches several layers.
    frame(20, 'runMicrotasks', '', [21, 22]),
    frame(21, 'execute', `${MODULES}/graphql/execution/execute.js`),
    frame(22, 'info', `${MODULES}/pino/lib/proto.js`, [23]),
    frame(23, 'writeString', ''),
    frame(30, '(garbage collector)', ''),
    frame(31, '(idle)', ''),
  ],
};

describe('profile layers', () => {
  const layers = layersOf(PROFILE);

  test('node core and natives count for their nearest caller with a layer; socket writes by whose they are', () => {
    expect(layers.get(2)).toBe('HTTP and body parsing');
    expect(layers.get(3)).toBe('service (claimcheck)');
    expect(layers.get(8)).toBe('service (claimcheck)');
    expect(layers.get(5)).toBe('mysql2');
    expect(layers.get(6)).toBe('socket writes to the database (syscalls)');
    expect(layers.get(9)).toBe('socket writes to clients (syscalls)');
    expect(layers.get(23)).toBe('logging');
  });

  test('a frame with no caller of a layer counts for the one layer below it, else as shared', () => {
    expect(layers.get(10)).toBe('mysql2');
    expect(layers.get(20)).toBe('node core, shared (event loop, sockets, microtasks)');
    expect(layers.get(21)).toBe('graphql-js and type-graphql');
  });

  test('GC and idle are their own', () => {
    expect(layers.get(30)).toBe('GC');
    expect(layers.get(31)).toBe('idle');
  });
});
