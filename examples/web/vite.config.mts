import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Where `npm run web` forwards /graphql: the claimcheck server, on its default address unless told otherwise. */
const api = process.env.CLAIMCHECK_API ?? 'http://127.0.0.1:4000';
/** One origin for the page and the API, as a reverse proxy gives it in production: no CORS needed. */
const sameOrigin = {
  host: '127.0.0.1',
  port: Number(process.env.WEB_PORT ?? 5173),
  strictPort: true,
  proxy: { '/graphql': api },
};

/** The example page: `npm run build:web` writes examples/web/dist; `npm run web` builds and serves it. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs, so the page works wherever it is mounted.
  base: './',
  // Vite 8 transforms TSX with oxc; React 19 wants the automatic runtime (no `import React`).
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: process.env.WEB_OUT_DIR ?? 'dist', emptyOutDir: true },
  server: sameOrigin,
  preview: sameOrigin,
});
