/**
 * A real webhook receiver on 127.0.0.1 (node:http), as a host application
 * runs one: every request is verified with the published standardwebhooks
 * package (not with code of ours), recorded, and answered as the test says.
 * It can go down (closing its port) and come back on the same port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: string;
  readonly body: string;
  /** The parsed body, when the signature verified; null when it did not. */
  readonly event: { type: string; timestamp: string; data: Record<string, unknown> } | null;
  readonly verified: boolean;
  readonly receivedAt: number;
  /** What the receiver answered. */
  readonly status: number;
}

/** The status to answer the n-th request (1-based) for this webhook-id; 0 leaves the request hanging (a slow endpoint). */
export type Responder = (request: { id: string; attemptForId: number }) => number;

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private server: http.Server | null = null;
  private port = 0;
  private secret: string | null = null;
  private readonly attemptsById = new Map<string, number>();
  private readonly sockets = new Set<import('node:net').Socket>();

  /** How long each answer waits (a slow but working endpoint). */
  delayMs = 0;

  constructor(private responder: Responder = () => 200) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The secret deliveries are verified with (from createWebhookEndpoint). */
  useSecret(secret: string): void {
    this.secret = secret;
  }

  get signingSecret(): string | null {
    return this.secret;
  }

  respondWith(responder: Responder): void {
    this.responder = responder;
  }

  async start(port = 0): Promise<void> {
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.answer(request, Buffer.concat(chunks).toString('utf8'), response));
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Down: the port refuses connections until start(sameport) again. Open keep-alive sockets are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restart(): Promise<void> {
    await this.start(this.port);
  }

  /** Distinct webhook-ids of verified requests answered 2xx. */
  deliveredIds(): Set<string> {
    return new Set(this.received.filter((entry) => entry.verified && entry.status < 300).map((entry) => entry.id));
  }

  /** How many webhook-ids were answered 2xx more than once (each is a duplicate delivery). */
  duplicates(): number {
    const counts = new Map<string, number>();
    for (const entry of this.received) {
      if (entry.status >= 200 && entry.status < 300) counts.set(entry.id, (counts.get(entry.id) ?? 0) + 1);
    }
    return [...counts.values()].reduce((sum, count) => sum + count - 1, 0);
  }

  private answer(request: http.IncomingMessage, body: string, response: http.ServerResponse): void {
    const header = (name: string): string => String(request.headers[name] ?? '');
    const id = header('webhook-id');
    let event: ReceivedWebhook['event'] = null;
    try {
      if (this.secret !== null) {
        event = new Webhook(this.secret).verify(body, {
          'webhook-id': id,
          'webhook-timestamp': header('webhook-timestamp'),
          'webhook-signature': header('webhook-signature'),
        }) as ReceivedWebhook['event'];
      }
    } catch {
      event = null;
    }
    const attemptForId = (this.attemptsById.get(id) ?? 0) + 1;
    this.attemptsById.set(id, attemptForId);
    const status = this.responder({ id, attemptForId });
    this.received.push({
      id,
      timestamp: header('webhook-timestamp'),
      body,
      event,
      verified: event !== null,
      receivedAt: Date.now(),
      status,
    });
    if (status === 0) return;
    const send = (): void => {
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(status < 300 ? 'ok' : 'not now');
    };
    if (this.delayMs > 0) setTimeout(send, this.delayMs);
    else send();
  }
}

/** The p-th percentile (0..100) of `values`, in their unit; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
