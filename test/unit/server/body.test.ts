/** The JSON body of a GraphQL request: what is read, what is refused, and that nothing past the limit is held. */
import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { HttpFailure } from '../../../src/server/http/answer';
import { JsonBodyReader } from '../../../src/server/http/body';

const LIMIT = 1024;
const reader = new JsonBodyReader(LIMIT);
const OPERATION = { query: '{ __typename }' };

function bodyOf(...chunks: (string | Buffer)[]): Readable {
  return Readable.from(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
}

function json(extra: IncomingHttpHeaders = {}, length?: number): IncomingHttpHeaders {
  return {
    'content-type': 'application/json',
    ...(length === undefined ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(length) }),
    ...extra,
  };
}

function failureOf(result: unknown): { status: number; body: unknown } {
  if (!(result instanceof HttpFailure)) throw new Error(`not a failure: ${JSON.stringify(result)}`);
  return { status: result.status, body: JSON.parse(result.body) };
}

const failure = (status: number, message: string, code: string) => ({
  status,
  body: { errors: [{ message, extensions: { code } }] },
});
const TOO_LARGE = failure(413, `The request body is larger than ${LIMIT} bytes.`, 'PAYLOAD_TOO_LARGE');
const NOT_JSON = failure(400, 'The request body is not valid JSON.', 'BAD_REQUEST');
const UNREADABLE = failure(400, 'The request could not be read.', 'BAD_REQUEST');
const UNSUPPORTED = failure(415, 'The request could not be read.', 'BAD_REQUEST');

describe('what is read', () => {
  it('parses an object, in one chunk or many', async () => {
    const text = JSON.stringify(OPERATION);
    expect(await reader.read(bodyOf(text), json({}, text.length))).toEqual(OPERATION);
    expect(await reader.read(bodyOf(text.slice(0, 3), text.slice(3, 9), text.slice(9)), json())).toEqual(OPERATION);
  });

  it('parses an array (Apollo refuses the batch itself) and whitespace around the value', async () => {
    expect(await reader.read(bodyOf(' \r\n\t[{"query":"x"}] '), json())).toEqual([{ query: 'x' }]);
  });

  it('takes an empty body as {}, as express.json() did', async () => {
    expect(await reader.read(bodyOf(), json({}, 0))).toEqual({});
  });

  it('drops a UTF-8 byte order mark', async () => {
    expect(await reader.read(bodyOf(Buffer.from([0xef, 0xbb, 0xbf]), '{"query":"é"}'), json())).toEqual({ query: 'é' });
  });

  it('reads application/json with parameters and in any case', async () => {
    for (const type of ['application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset="UTF-8"']) {
      expect(await reader.read(bodyOf('{"a":1}'), json({ 'content-type': type }))).toEqual({ a: 1 });
    }
  });

  it('decodes UTF-16 charsets', async () => {
    const text = '{"query":"\u{1F600}"}';
    expect(
      await reader.read(
        bodyOf(Buffer.from(text, 'utf16le')),
        json({ 'content-type': 'application/json; charset=utf-16le' }),
      ),
    ).toEqual({ query: '\u{1F600}' });
    const bigEndian = Buffer.from(text, 'utf16le').swap16();
    expect(
      await reader.read(bodyOf(bigEndian), json({ 'content-type': 'application/json; charset=UTF-16BE' })),
    ).toEqual({
      query: '\u{1F600}',
    });
  });

  it('inflates gzip, deflate and br bodies', async () => {
    const text = JSON.stringify(OPERATION);
    const encodings: [string, Buffer][] = [
      ['gzip', gzipSync(text)],
      ['deflate', deflateSync(text)],
      ['br', brotliCompressSync(text)],
      ['GZIP', gzipSync(text)],
      ['identity', Buffer.from(text)],
    ];
    for (const [encoding, bytes] of encodings) {
      expect(await reader.read(bodyOf(bytes), json({ 'content-encoding': encoding }))).toEqual(OPERATION);
    }
  });
});

describe('what is left to Apollo (undefined: no body to read)', () => {
  it('any other content type, and none', async () => {
    for (const type of [
      'text/plain',
      'application/graphql+json',
      'application/x-www-form-urlencoded',
      'application/json;',
      '',
    ]) {
      const stream = bodyOf('{"a":1}');
      expect(await reader.read(stream, json({ 'content-type': type }))).toBeUndefined();
      expect(stream.readableFlowing).toBeNull();
    }
    expect(await reader.read(bodyOf('{"a":1}'), { 'content-length': '7' })).toBeUndefined();
  });

  it('a request without a framed body', async () => {
    expect(await reader.read(bodyOf('{"a":1}'), { 'content-type': 'application/json' })).toBeUndefined();
  });
});

describe('what is refused', () => {
  it('anything but an object or an array, and broken JSON', async () => {
    for (const text of ['null', '"query"', '42', 'true', '  ', '{', '{"query": "x"', '\u0000', '{"a":1}x']) {
      expect(failureOf(await reader.read(bodyOf(text), json()))).toEqual(NOT_JSON);
    }
  });

  it('a declared length past the limit, before a byte is read', async () => {
    const stream = bodyOf('x'.repeat(LIMIT + 1));
    expect(failureOf(await reader.read(stream, json({}, LIMIT + 1)))).toEqual(TOO_LARGE);
    expect(stream.readableFlowing).toBeNull();
  });

  it('a streamed body past the limit, holding nothing of it and still draining the rest', async () => {
    const stream = new PassThrough();
    const read = reader.read(stream, json());
    stream.write('['.padEnd(LIMIT, ' '));
    stream.write('1]');
    expect(failureOf(await read)).toEqual(TOO_LARGE);
    // The rest still arrives and is dropped, so that the connection could serve its next request.
    stream.end('x'.repeat(10 * LIMIT));
    await new Promise((resolve) => stream.on('end', resolve));
  });

  it('exactly the limit is allowed', async () => {
    const text = '['.padEnd(LIMIT - 1, ' ') + ']';
    expect(await reader.read(bodyOf(text), json({}, LIMIT))).toEqual([]);
  });

  it('a body that inflates past the limit, without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, ' '));
    expect(failureOf(await reader.read(bodyOf(bomb), json({ 'content-encoding': 'gzip' })))).toEqual(TOO_LARGE);
  });

  it('a body that does not inflate', async () => {
    expect(failureOf(await reader.read(bodyOf('{"a":1}'), json({ 'content-encoding': 'gzip' })))).toEqual(UNREADABLE);
  });

  it('an unknown content encoding or a charset that is not UTF', async () => {
    expect(failureOf(await reader.read(bodyOf('{}'), json({ 'content-encoding': 'compress' })))).toEqual(UNSUPPORTED);
    for (const charset of ['latin1', 'iso-8859-1', 'utf-9', 'utf8']) {
      const headers = json({ 'content-type': `application/json; charset=${charset}` });
      expect(failureOf(await reader.read(bodyOf('{}'), headers))).toEqual(UNSUPPORTED);
    }
  });

  it('a body cut off before its end', async () => {
    const stream = new PassThrough();
    const read = reader.read(stream, json({}, 100));
    stream.write('{"query":');
    stream.destroy();
    expect(failureOf(await read)).toEqual(UNREADABLE);
  });
});
