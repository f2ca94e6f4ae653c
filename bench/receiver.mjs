/**
 * The benchmark's webhook receiver, a process of its own (forked by webhooks.ts; plain JavaScript, so that
 * it runs as it is from the sources and from dist alike) so that its work is
 * neither the server's nor the load generator's: answers every POST with 204 and counts deliveries by
 * webhook-id. Reports over IPC: { port } once listening, then { received, unique, firstAt, lastAt } on
 * each 'stats' message. Times are Date.now() milliseconds.
 */
import http from 'node:http';
import process from 'node:process';

const seen = new Set();
let received = 0;
let firstAt = 0;
let lastAt = 0;

const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const id = request.headers['webhook-id'];
    if (typeof id === 'string') {
      received++;
      seen.add(id);
      lastAt = Date.now();
      firstAt ||= lastAt;
    }
    response.writeHead(204).end();
  });
});

server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send({ port: typeof address === 'object' && address ? address.port : 0 });
});

process.on('message', (message) => {
  if (message === 'stats') process.send({ received, unique: seen.size, firstAt, lastAt });
  if (message === 'reset') {
    seen.clear();
    received = firstAt = lastAt = 0;
    process.send({ reset: true });
  }
});
process.on('disconnect', () => process.exit(0));
