/**
 * A browser test's setup that fails leaves nothing open behind it: the setup
 * the browser test uses (openExamplePage), with a failure injected at each
 * stage, then Resources.close() as afterAll calls it. Left open, a socket or a
 * start still under way outlives the Jest environment and breaks whichever
 * file the worker runs next.
 */
import { createServer, type Server } from 'node:net';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import type { Browser } from 'playwright-core';
import { launchChromium, openExamplePage } from '../../support/browser';
import { serverUrl } from '../../support/database';
import { Resources } from '../../support/resources';
import { startTestServer, type TestServer, type TestServerOptions } from '../../support/server';

/** What outlives a Jest environment when left open: sockets, listening servers, pipes, child processes. */
const HANDLE_KINDS = new Set(['TCPSocketWrap', 'TCPServerWrap', 'PipeWrap', 'ProcessWrap']);

function openHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => HANDLE_KINDS.has(kind))
    .sort();
}

/** The handles open now that were not open `before` (some of those may have closed since). */
function openedSince(before: readonly string[]): string[] {
  const left = [...before];
  return openHandles().filter((kind) => {
    const index = left.indexOf(kind);
    if (index === -1) return true;
    left.splice(index, 1);
    return false;
  });
}

/** A closed handle leaves the list once its close callback has run: a few loop turns, never a second. */
async function expectNothingOpenedSince(before: readonly string[]): Promise<void> {
  const deadline = Date.now() + 1000;
  while (openedSince(before).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(openedSince(before)).toEqual([]);
}

async function databaseExists(name: string): Promise<boolean> {
  const connection = await mysql.createConnection({ uri: serverUrl() });
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [name],
    );
    return rows.length > 0;
  } finally {
    await connection.end();
  }
}

async function expectStopped(server: TestServer): Promise<void> {
  await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  expect(await databaseExists(server.database.name)).toBe(false);
}

/** startTestServer, keeping what it started for the checks afterwards. */
function recordingServer(): { start: (options: TestServerOptions) => Promise<TestServer>; started: () => TestServer } {
  let started: TestServer | undefined;
  return {
    start: async (options) => (started = await startTestServer(options)),
    started: () => {
      if (!started) throw new Error('the API server was never started');
      return started;
    },
  };
}

function recordingLaunch(afterLaunch: (browser: Browser) => Promise<void> = async () => {}): {
  launch: () => Promise<Browser>;
  launched: () => Browser;
} {
  let launched: Browser | undefined;
  return {
    launch: async () => {
      launched = await launchChromium();
      await afterLaunch(launched);
      return launched;
    },
    launched: () => {
      if (!launched) throw new Error('the browser was never launched');
      return launched;
    },
  };
}

const injected = new Error('injected failure');

describe('a failing example page setup', () => {
  it('closes the API server it was starting when the browser fails to launch synchronously', async () => {
    const before = openHandles();
    const resources = new Resources();
    const server = recordingServer();
    const launch = (): Promise<Browser> => {
      throw injected;
    };
    await expect(openExamplePage(resources, { startServer: server.start, launch })).rejects.toBe(injected);
    await resources.close();
    await expectNothingOpenedSince(before);
    await expectStopped(server.started());
  }, 60_000);

  it('closes the browser it was launching when the API server cannot listen', async () => {
    const busy = await listening();
    try {
      const before = openHandles();
      const resources = new Resources();
      const browser = recordingLaunch();
      const port = String((busy.address() as { port: number }).port);
      await expect(
        openExamplePage(resources, { server: { env: { PORT: port } }, launch: browser.launch }),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await resources.close();
      await expectNothingOpenedSince(before);
      expect(browser.launched().isConnected()).toBe(false);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  }, 60_000);

  it('closes the page server and the API server when the browser dies before its tab opens', async () => {
    const before = openHandles();
    const resources = new Resources();
    const server = recordingServer();
    const browser = recordingLaunch((launched) => launched.close());
    await expect(openExamplePage(resources, { startServer: server.start, launch: browser.launch })).rejects.toThrow(
      /closed/,
    );
    await resources.close();
    await expectNothingOpenedSince(before);
    await expectStopped(server.started());
  }, 60_000);
});

describe('Resources', () => {
  it('closes every resource when one fails to close, then reports the failure', async () => {
    const resources = new Resources();
    const closed: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      await resources.open(
        async () => name,
        async (resource) => {
          closed.push(resource);
          if (resource === 'second') throw injected;
        },
      );
    }
    await expect(resources.close()).rejects.toMatchObject({ errors: [injected] });
    expect(closed).toEqual(['third', 'second', 'first']);
  });

  it('waits for a start still under way, closes what it opens, and refuses to open more', async () => {
    const resources = new Resources();
    let finishStart: (resource: string) => void = () => {};
    const start = new Promise<string>((resolve) => (finishStart = resolve));
    const closed: string[] = [];
    const starting = resources.open(
      () => start,
      async (resource) => void closed.push(resource),
    );
    const closing = resources.close();
    finishStart('late');
    await closing;
    expect(await starting).toBe('late');
    expect(closed).toEqual(['late']);
    await expect(
      resources.open(
        async () => 'after',
        async () => {},
      ),
    ).rejects.toThrow(/already closed/);
  });
});

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
