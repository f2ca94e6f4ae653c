/** CORS for Apollo Studio's origin only. */
import { addPreflightHeaders, fromStudio, STUDIO_ORIGIN } from '../../../src/server/http/cors';

it("recognises Studio's exact origin only", () => {
  expect(fromStudio({ origin: STUDIO_ORIGIN })).toBe(true);
  for (const origin of [
    'http://studio.apollographql.com',
    'https://studio.apollographql.com.evil.example',
    'https://evil.example',
    'https://STUDIO.apollographql.com',
    'null',
  ]) {
    expect(fromStudio({ origin })).toBe(false);
  }
  expect(fromStudio({})).toBe(false);
});

it('answers a preflight with the methods, the headers asked for, and a max age; never credentials', () => {
  const headers = addPreflightHeaders(
    { vary: 'Origin' },
    { 'access-control-request-headers': 'content-type,authorization' },
  );
  expect(headers).toEqual({
    vary: 'Origin',
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'content-type,authorization',
    'access-control-max-age': '600',
  });
  expect(addPreflightHeaders({}, {})['access-control-allow-headers']).toBe('Content-Type, Authorization');
});
