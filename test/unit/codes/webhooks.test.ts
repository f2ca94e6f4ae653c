import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { AddressPolicy, nonPublicRange } from '../../../src/codes/webhooks/address-policy';
import { MAX_RETRY_INTERVAL_MS, redactExcerpt, retryDelayMs } from '../../../src/webhooks/dispatcher';
import { eventBody, eventIdOf } from '../../../src/codes/webhooks/events';
import { errorClassOf } from '../../../src/webhooks/sender';
import { newSigningSecret, signatureHeaders } from '../../../src/codes/webhooks/signing';
import type { CodeId, OutboxEntry } from '../../../src/store/port';

const ENTRY: OutboxEntry = {
  source: 'journal',
  sourceId: '42',
  type: 'revoked',
  at: new Date('2026-11-28T17:00:00.123Z'),
  codeId: '0198a0a0-0000-7000-8000-000000000001' as CodeId,
  subject: null,
  scope: 'shop',
  purpose: 'promo',
  reason: null,
  redemptionId: null,
  holdRef: null,
  lastCodeId: null,
  count: null,
  holdExpiresAt: null,
};

describe('signatures', () => {
  it('verify with the standardwebhooks package', () => {
    const secret = newSigningSecret(randomBytes);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const body = eventBody(ENTRY);
    const headers = signatureHeaders(secret, eventIdOf(ENTRY), new Date(), body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSigningSecret(randomBytes)).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
  });
});

describe('events', () => {
  it('have ids that are UUIDv7 of their time, the same for the same outbox entry', () => {
    const id = eventIdOf(ENTRY);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ENTRY.at.getTime());
    expect(eventIdOf({ ...ENTRY })).toBe(id);
    expect(eventIdOf({ ...ENTRY, sourceId: '43' })).not.toBe(id);
    expect(eventIdOf({ ...ENTRY, source: 'redemption' })).not.toBe(id);
  });

  it('have the body runtime.md describes', () => {
    expect(JSON.parse(eventBody(ENTRY))).toEqual({
      type: 'code.revoked',
      timestamp: '2026-11-28T17:00:00.123Z',
      data: { codeId: ENTRY.codeId, purpose: 'promo', scope: 'shop', revokedAt: '2026-11-28T17:00:00.123Z' },
    });
  });
});

describe('retries', () => {
  const fixed = (byte: number) => () => Buffer.alloc(4, byte);

  it('double from the minimum, with jitter of at most a fifth, and never wait more than an hour', () => {
    const low = [1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 10, fixed(0)));
    const high = [1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 10, fixed(255)));
    expect(low).toEqual([8_000, 16_000, 32_000, 64_000]);
    high.forEach((delay, index) => expect(delay).toBeCloseTo(12_000 * 2 ** index, -2));
    expect(retryDelayMs(30, 10, fixed(255))).toBe(MAX_RETRY_INTERVAL_MS);
    expect(retryDelayMs(12, 10, fixed(0))).toBeLessThanOrEqual(MAX_RETRY_INTERVAL_MS);
  });
});

describe('the address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['239.1.1.1', 'multicast'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
  ])('counts %s as %s', (address, range) => {
    expect(nonPublicRange(address)).toBe(range);
  });

  it.each(['93.184.215.14', '2606:4700::1111'])('lets %s through', (address) => {
    expect(nonPublicRange(address)).toBeNull();
  });

  it('admits only http(s) URLs without credentials, and any address when private ones are allowed', async () => {
    const open = new AddressPolicy(true, () => Promise.reject(new Error('no lookup expected')));
    await expect(open.admit('http://127.0.0.1:9/x')).resolves.toBe('http://127.0.0.1:9/x');
    await expect(open.admit('file:///etc/passwd')).rejects.toThrow('http or https');
    await expect(open.admit('https://a:b@example.test/')).rejects.toThrow('user name or password');
  });
});

describe('attempt records', () => {
  it('keep a short one-line excerpt without the secret or a signature', () => {
    const secret = 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0';
    const excerpt = redactExcerpt(`echo: ${secret}\nsig v1,${'A'.repeat(44)}\r\n${'x'.repeat(500)}`, [secret]);
    expect(excerpt).not.toContain(secret);
    expect(excerpt).not.toContain('AAAAAAAAAAAAAAAAAAAA');
    expect(excerpt).not.toMatch(/[\r\n]/);
    expect(excerpt!.length).toBeLessThanOrEqual(200);
    expect(redactExcerpt('   ', [])).toBeNull();
  });

  it('classify failures from a fixed set', () => {
    expect(errorClassOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('connection_refused');
    expect(errorClassOf(new Error('wrapped', { cause: Object.assign(new Error('y'), { code: 'ENOTFOUND' }) }))).toBe(
      'dns',
    );
    expect(errorClassOf(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe('timeout');
    expect(errorClassOf(Object.assign(new Error('c'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toBe('tls');
    expect(errorClassOf(new Error('anything else'))).toBe('network');
  });
});
