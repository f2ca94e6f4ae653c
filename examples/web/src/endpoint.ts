const DEFAULT_PATH = '/graphql';

/**
 * The claimcheck API this page talks to: /graphql on the page's own origin,
 * where a reverse proxy forwards it to the server (the server's CORS admits
 * no browser origins but Apollo Studio's). `?api=` may move it to another
 * path of the same origin; a URL on another origin is ignored, because a
 * crafted link could otherwise send the codes people type to someone else.
 */
export function graphqlEndpoint(location: Pick<Location, 'href' | 'origin' | 'search'>): string {
  const requested = new URLSearchParams(location.search).get('api');
  if (requested) {
    const url = new URL(requested, location.href);
    if (url.origin === location.origin) return url.href;
    console.warn(`Ignoring ?api=${requested}: only endpoints on ${location.origin} are allowed`);
  }
  return new URL(DEFAULT_PATH, location.origin).href;
}
