/** X-Request-Id: reused only when it cannot smuggle anything into a log line. */
import { requestIdFor } from '../../../src/server/http/request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

it('keeps a safe id', () => {
  for (const id of ['req-123.abc', 'a', 'trace:span_01', 'x'.repeat(64)]) expect(requestIdFor(id)).toBe(id);
});

it('replaces a missing, repeated or unsafe id with a fresh UUID', () => {
  const replaced = [undefined, '', 'x'.repeat(65), 'bad id', 'a\u00e9', '{"injected":true}', 'a, b', ['a', 'b']].map(
    (given) => requestIdFor(given),
  );
  for (const id of replaced) expect(id).toMatch(UUID);
  expect(new Set(replaced).size).toBe(replaced.length);
});
