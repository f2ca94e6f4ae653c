/**
 * The JSON body of a GraphQL request, read with a byte limit. It answers as
 * express.json() did: only application/json is read; the body must be an
 * object or an array (an empty body counts as {}); UTF-8, or a UTF-16
 * charset; gzip, deflate and br bodies are inflated, and the limit applies to
 * what they inflate to. Nothing past the limit is ever held.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { TextDecoder } from 'node:util';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { parse as parseMediaType } from 'content-type';
import { HttpFailure } from './answer';

const JSON_MEDIA_TYPE = 'application/json';
const DEFAULT_CHARSET = 'utf-8';
const EMPTY = Buffer.alloc(0);
const NO_BODY: Promise<undefined> = Promise.resolve(undefined);

const INFLATERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * What `read` resolves to: the parsed JSON; undefined when there is no JSON
 * body to read (Apollo then answers for itself, as it did behind
 * express.json()); or the failure to answer instead.
 */
export type JsonBody = unknown;

export class JsonBodyReader {
  readonly #tooLarge: HttpFailure;
  readonly #notJson = new HttpFailure(400, 'The request body is not valid JSON.', 'BAD_REQUEST');
  readonly #unreadable = new HttpFailure(400, 'The request could not be read.', 'BAD_REQUEST');
  readonly #unsupported = new HttpFailure(415, 'The request could not be read.', 'BAD_REQUEST');
  /** By charset label; only labels TextDecoder knows get in, so the map stays small. */
  readonly #decoders = new Map<string, TextDecoder>();

  constructor(private readonly limitBytes: number) {
    this.#tooLarge = new HttpFailure(413, `The request body is larger than ${limitBytes} bytes.`, 'PAYLOAD_TOO_LARGE');
  }

  read(request: Readable, headers: IncomingHttpHeaders): Promise<JsonBody> {
    const contentType = headers['content-type'];
    if (contentType === undefined || !hasBody(headers)) return NO_BODY;
    // The header every client sends, recognised without parsing it.
    const charset = contentType === JSON_MEDIA_TYPE ? DEFAULT_CHARSET : jsonCharsetOf(contentType);
    if (charset === null) return NO_BODY;
    const decoder = charset === DEFAULT_CHARSET ? null : this.#decoderFor(charset);
    if (decoder === undefined) return Promise.resolve(this.#unsupported);

    const encoding = headers['content-encoding'];
    if (encoding === undefined || encoding.toLowerCase() === 'identity') {
      // A declared length past the limit is refused before a byte is read.
      if (Number(headers['content-length']) > this.limitBytes) return Promise.resolve(this.#tooLarge);
      return this.#collect(request, null, decoder);
    }
    const createInflater = INFLATERS[encoding.toLowerCase()];
    if (createInflater === undefined) return Promise.resolve(this.#unsupported);
    return this.#collect(request, request.pipe(createInflater()), decoder);
  }

  #decoderFor(charset: string): TextDecoder | undefined {
    // RFC 8259 JSON is UTF-8; express.json() also took the other UTF charsets.
    if (!charset.startsWith('utf-')) return undefined;
    let decoder = this.#decoders.get(charset);
    if (decoder === undefined) {
      try {
        decoder = new TextDecoder(charset);
      } catch {
        return undefined;
      }
      this.#decoders.set(charset, decoder);
    }
    return decoder;
  }

  /**
   * The whole body, parsed, or the failure to answer. Past the limit the bytes
   * still arriving are read and dropped, so that the connection stays usable.
   * `inflater`: the request's bytes piped through it, when it has one.
   */
  #collect(request: Readable, inflater: Transform | null, decoder: TextDecoder | null): Promise<JsonBody> {
    const stream = inflater ?? request;
    return new Promise((resolve) => {
      let first: Buffer | undefined;
      let chunks: Buffer[] | undefined;
      let size = 0;
      let settled = false;
      const fail = (failure: HttpFailure): void => {
        if (settled) return;
        settled = true;
        first = chunks = undefined;
        resolve(failure);
      };
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length;
        if (size > this.limitBytes) {
          fail(this.#tooLarge);
          if (inflater) {
            request.unpipe(inflater);
            inflater.destroy();
            request.resume();
          }
          return;
        }
        if (first === undefined) first = chunk;
        else (chunks ??= [first]).push(chunk);
      });
      stream.on('end', () => {
        if (settled) return;
        settled = true;
        resolve(this.#parse(chunks ? Buffer.concat(chunks, size) : (first ?? EMPTY), decoder));
      });
      // A body that does not inflate, or a client gone before its body ended (nobody is left to answer then).
      const unreadable = (): void => fail(this.#unreadable);
      stream.on('error', unreadable);
      if (inflater) request.on('error', unreadable);
      request.on('close', () => {
        if (!request.readableEnded) unreadable();
      });
    });
  }

  #parse(bytes: Buffer, decoder: TextDecoder | null): JsonBody {
    // TextDecoder drops a byte order mark itself; express.json() dropped a UTF-8 one too.
    const text =
      decoder !== null
        ? decoder.decode(bytes)
        : bytes.toString('utf8', hasUtf8Bom(bytes) ? UTF8_BOM_LENGTH : 0, bytes.length);
    if (text.length === 0) return {};
    const first = firstNonWhitespace(text);
    if (first !== '{' && first !== '[') return this.#notJson;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return this.#notJson;
    }
  }
}

/** As type-is decides it: a body is framed by Transfer-Encoding or a Content-Length. */
function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && !Number.isNaN(Number(length)));
}

/** The lower-cased charset of an application/json Content-Type (UTF-8 when none is named), or null for any other type. */
function jsonCharsetOf(contentType: string): string | null {
  let parsed;
  try {
    parsed = parseMediaType(contentType);
  } catch {
    return null;
  }
  if (parsed.type !== JSON_MEDIA_TYPE) return null;
  return parsed.parameters.charset?.toLowerCase() ?? DEFAULT_CHARSET;
}

const UTF8_BOM_LENGTH = 3;

function hasUtf8Bom(bytes: Buffer): boolean {
  return bytes.length >= UTF8_BOM_LENGTH && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** JSON's own whitespace only, as express.json()'s strict mode checked it. */
function firstNonWhitespace(text: string): string | undefined {
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char !== ' ' && char !== '\t' && char !== '\n' && char !== '\r') return char;
  }
  return undefined;
}
