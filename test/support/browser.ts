/**
 * Browser tests' plumbing: Debian's chromium driven by playwright-core (never
 * a downloaded browser), and a static server for a built page that proxies
 * /graphql to a claimcheck server, so that page and API share one origin as
 * they would behind a reverse proxy.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error("No chromium on PATH: install Debian's (apt-get install chromium) or set CHROMIUM_PATH");
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

export interface PageServer {
  /** http://127.0.0.1:<port>/ */
  readonly url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** Serves `root` and forwards /graphql to `graphqlUrl`, on 127.0.0.1 only. */
export async function servePage(root: string, graphqlUrl: string): Promise<PageServer> {
  const server = createServer((req, res) => {
    const handled = req.url?.startsWith('/graphql') ? proxy(req, res, graphqlUrl) : serveFile(root, req, res);
    handled.catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function proxy(req: IncomingMessage, res: ServerResponse, graphqlUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = new URL(graphqlUrl);
    const headers = { ...req.headers, host: target.host };
    const upstream = request(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res).on('finish', resolve).on('error', reject);
    });
    upstream.on('error', reject);
    req.pipe(upstream);
  });
}

async function serveFile(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://page').pathname);
  const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
  const inside = file.startsWith(root.endsWith(sep) ? root : root + sep);
  if (
    !inside ||
    !(await stat(file).then(
      (s) => s.isFile(),
      () => false,
    ))
  ) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
  await new Promise<void>((resolve, reject) =>
    createReadStream(file).pipe(res).on('finish', resolve).on('error', reject),
  );
}
