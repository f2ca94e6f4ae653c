/**
 * Browser tests' plumbing: a Chromium found as a developer's machine has one
 * (never downloaded), driven by playwright-core; a static server for a built
 * page that proxies /graphql to a claimcheck server, so that page and API
 * share one origin as they would behind a reverse proxy; and the example page
 * opened that way.
 */
import { execFile } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { access, constants, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import bundled from '@sparticuz/chromium';
import { chromium, type Browser, type Page } from 'playwright-core';
import { settleAll, type Resources } from './resources';
import { startTestServer, type TestServer, type TestServerOptions } from './server';

const REPO_ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** The names a system Chromium or Chrome goes by on PATH, in the order they are looked for. */
const SYSTEM_BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

const SYSTEM_BROWSER_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * @sparticuz/chromium's own flags, as tried on Debian (among them
 * --single-process, --no-zygote, --no-sandbox), except those that lift the
 * page's security model: the test must see what a visitor's browser would.
 */
const LIFTS_PAGE_SECURITY = new Set(['--disable-web-security', '--allow-running-insecure-content']);
const BUNDLED_BROWSER_ARGS = [
  ...bundled.args.filter((arg) => !LIFTS_PAGE_SECURITY.has(arg)),
  '--disable-background-networking',
];

const NO_BROWSER = `No Chromium for the browser tests: install Chromium or Google Chrome (on PATH as one of ${SYSTEM_BROWSERS.join(', ')}), or set CHROMIUM_PATH to one`;

interface BrowserBinary {
  readonly executablePath: string;
  readonly args: readonly string[];
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function findOnPath(names: readonly string[]): Promise<string | undefined> {
  const folders = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of names) {
    for (const folder of folders) {
      if (await isExecutableFile(join(folder, name))) return join(folder, name);
    }
  }
  return undefined;
}

/**
 * The browser, first that applies: CHROMIUM_PATH; a system Chromium or Chrome
 * on PATH; on Linux x64, the Chromium inside the @sparticuz/chromium package
 * (a devDependency, so `npm ci` is all a newcomer needs); else a one-line
 * failure saying what to install.
 */
async function findChromium(): Promise<BrowserBinary> {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (!(await isExecutableFile(given)))
      throw new Error(
        `CHROMIUM_PATH=${given} is not an executable file: point it at a Chromium or Chrome binary, or unset it`,
      );
    return { executablePath: given, args: SYSTEM_BROWSER_ARGS };
  }
  const onPath = await findOnPath(SYSTEM_BROWSERS);
  if (onPath) return { executablePath: onPath, args: SYSTEM_BROWSER_ARGS };
  if (process.platform === 'linux' && process.arch === 'x64')
    return { executablePath: await unpackBundledChromium(), args: BUNDLED_BROWSER_ARGS };
  throw new Error(NO_BROWSER);
}

const execFileAsync = promisify(execFile);

/**
 * @sparticuz/chromium unpacks its browser into os.tmpdir() and reuses
 * whatever it finds there, even a binary another test file is still writing
 * or an unpack that was interrupted. So it unpacks in a child process into a
 * private folder (its TMPDIR), which is then renamed into place whole; when
 * a parallel test file got there first, its copy is used.
 */
async function unpackBundledChromium(): Promise<string> {
  const entry = require.resolve('@sparticuz/chromium');
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const folder = join(tmpdir(), `claimcheck-chromium-${version}`);
  const executable = join(folder, 'chromium');
  if (await isExecutableFile(executable)) return executable;
  const staging = await mkdtemp(`${folder}-unpacking-`);
  try {
    const unpack = `require(${JSON.stringify(entry)}).executablePath().catch((error) => { console.error(error); process.exit(1); })`;
    await execFileAsync(process.execPath, ['-e', unpack], { env: { ...process.env, TMPDIR: staging } });
    await rename(staging, folder).catch(async (error: NodeJS.ErrnoException) => {
      if (!['ENOTEMPTY', 'EEXIST'].includes(error.code ?? '') || !(await isExecutableFile(executable))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return executable;
}

export async function launchChromium(): Promise<Browser> {
  const { executablePath, args } = await findChromium();
  return chromium.launch({ executablePath, args: [...args] });
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

/** Built into a folder of its own, so that another test building the page (npm run web, another file) cannot empty it mid-test. */
async function buildPage(outDir: string): Promise<void> {
  await execFileAsync(process.execPath, [join(REPO_ROOT, 'examples/web/build.mjs')], {
    cwd: REPO_ROOT,
    env: { ...process.env, WEB_OUT_DIR: outDir },
  });
}

export interface ExamplePage {
  /** The API the page talks to. */
  readonly server: TestServer;
  /** The built page, with /graphql forwarded to the API. */
  readonly pageServer: PageServer;
  readonly browser: Browser;
  /** One tab, open on nothing yet. */
  readonly page: Page;
}

export interface ExamplePageOptions {
  readonly server?: TestServerOptions;
  /** How the API server and the browser are started: the real ones unless a test of this setup injects a failure. */
  readonly startServer?: (options: TestServerOptions) => Promise<TestServer>;
  readonly launch?: () => Promise<Browser>;
}

/**
 * The example page in a browser: builds it, starts the API and the browser
 * together, then serves the page beside the API and opens a tab. Everything is
 * opened through `resources`; each start is waited for even when another
 * failed, and whatever was opened is released by `resources.close()`.
 */
export async function openExamplePage(resources: Resources, options: ExamplePageOptions = {}): Promise<ExamplePage> {
  const { startServer = startTestServer, launch = launchChromium } = options;
  await mkdir(ARTIFACTS, { recursive: true });
  const root = await resources.open(
    () => mkdtemp(join(ARTIFACTS, 'web-build-')),
    (folder) => rm(folder, { recursive: true, force: true }),
  );
  const [, server, browser] = await settleAll([
    buildPage(root),
    resources.open(
      () => startServer(options.server ?? {}),
      (started) => started.close(),
    ),
    resources.open(launch, (launched) => launched.close()),
  ]);
  const pageServer = await resources.open(
    () => servePage(root, server.graphqlUrl),
    (served) => served.close(),
  );
  // Closed with the browser.
  const page = await browser.newPage();
  return { server, pageServer, browser, page };
}
