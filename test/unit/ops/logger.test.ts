/** Log lines: JSON for machines everywhere, readable for a person at a terminal outside production; secrets redacted either way. */
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { createLogger, logFormat, type LogOutput } from '../../../src/ops/logger';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => stripVTControlCharacters(chunks.join('')) };
}

function logListening(output?: LogOutput): string {
  const lines = capture();
  createLogger('info', lines.stream, output).info({ url: 'http://127.0.0.1:4000/graphql' }, 'listening');
  return lines.text();
}

describe('logFormat', () => {
  it.each([
    [{ production: false, terminal: true }, 'pretty'],
    [{ production: false, terminal: false }, 'json'],
    [{ production: true, terminal: true }, 'json'],
    [{ production: true, terminal: false }, 'json'],
    [undefined, 'json'],
  ] as const)('%j gives %s', (output, format) => {
    expect(logFormat(output)).toBe(format);
  });
});

describe('createLogger', () => {
  it('writes one readable line for a person at a terminal outside production', () => {
    expect(logListening({ production: false, terminal: true })).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening \{"url":"http:\/\/127\.0\.0\.1:4000\/graphql"\}\n$/,
    );
  });

  it.each([
    ['in production, even at a terminal', { production: true, terminal: true }],
    ['when stdout is not a terminal', { production: false, terminal: false }],
    ['when nothing is said about the output', undefined],
  ])('writes JSON lines %s', (_when, output) => {
    const line = logListening(output);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({
      level: 30,
      service: 'claimcheck',
      msg: 'listening',
      url: 'http://127.0.0.1:4000/graphql',
    });
  });

  it.each([
    ['readable', { production: false, terminal: true }],
    ['JSON', { production: true, terminal: false }],
  ])('redacts secret-bearing fields in %s lines', (_format, output) => {
    const lines = capture();
    const logger = createLogger('info', lines.stream, output);
    logger.info(
      {
        code: 'K7QM-2XHP',
        grant: 'plan:pro',
        holdId: 'hold-capability-1',
        signingSecret: 'whsec_c2VjcmV0',
        headers: { authorization: 'Bearer admin-key-123' },
      },
      'oops',
    );
    expect(lines.text()).toContain('[redacted]');
    for (const secret of ['K7QM-2XHP', 'plan:pro', 'hold-capability-1', 'whsec_c2VjcmV0', 'admin-key-123'])
      expect(lines.text()).not.toContain(secret);
  });
});
