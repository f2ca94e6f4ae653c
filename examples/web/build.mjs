// Builds the example page into examples/web/dist with Vite's JS API.
// A script rather than an import in the tests: Vite is ESM-only and jest runs CommonJS.
import { fileURLToPath, URL } from 'node:url';
import { build } from 'vite';

await build({ configFile: fileURLToPath(new URL('vite.config.mts', import.meta.url)), logLevel: 'warn' });
