import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The example page: `npx vite build --config examples/web/vite.config.mts` writes examples/web/dist. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs, so the page works wherever it is mounted.
  base: './',
  // Vite 8 transforms TSX with oxc; React 19 wants the automatic runtime (no `import React`).
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true },
});
