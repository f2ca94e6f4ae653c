/**
 * docker-compose.yml against runtime.md: the compose file may only set
 * variables the server documents, must set the ones it cannot start without,
 * and every ${VAR} it interpolates must be explained in .env.example.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { contractFile } from '../../support/contract';

const ROOT = join(__dirname, '..', '..', '..');
const REQUIRED = ['DATABASE_URL', 'CODE_HMAC_KEYS', 'ADMIN_API_KEYS', 'HOST'];

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText) as ComposeFile;
const { mysql, claimcheck } = compose.services;

function runtimeDoc(): string {
  const found = contractFile('runtime.md');
  return readFileSync(found, 'utf8');
}

/** First-column names of the "## Environment" table. */
function environmentTable(doc: string): Set<string> {
  const section = doc.split(/^## /m).find((part) => part.startsWith('Environment'));
  if (!section) throw new Error('runtime.md has no "## Environment" section');
  return new Set([...section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((match) => match[1]));
}

/** Variables runtime.md names in passing (e.g. `NODE_ENV=production`) rather than in the table. */
function mentionedInProse(doc: string): Set<string> {
  return new Set([...doc.matchAll(/`([A-Z][A-Z0-9_]*)=[^`]*`/g)].map((match) => match[1]));
}

/** ${VAR}, ${VAR:-default}, ${VAR:?message}; `$$` escapes a dollar for the container's shell. */
function interpolated(text: string): Set<string> {
  return new Set([...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]));
}

function envExampleNames(): Set<string> {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  return new Set([...text.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((match) => match[1]));
}

describe('docker-compose.yml', () => {
  it('runs mysql 8.4 and claimcheck, built from the Dockerfile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['claimcheck', 'mysql']);
    expect(mysql.image).toBe('mysql:8.4');
    expect(claimcheck.build).toBeDefined();
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
  });

  it('keeps MySQL data in a named volume', () => {
    const mount = mysql.volumes?.find((volume) => volume.endsWith(':/var/lib/mysql'));
    expect(mount).toBeDefined();
    const name = mount!.split(':')[0];
    expect(Object.keys(compose.volumes ?? {})).toContain(name);
  });

  it('reports mysql healthy only when mysqladmin ping answers', () => {
    const test = mysql.healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toMatch(/mysqladmin ping/);
  });

  it('starts claimcheck once mysql is healthy and publishes port 4000', () => {
    expect(claimcheck.depends_on?.mysql?.condition).toBe('service_healthy');
    expect(claimcheck.ports).toContain('4000:4000');
    expect(claimcheck.environment?.PORT).toBe('4000');
    expect(claimcheck.environment?.HOST).toBe('0.0.0.0');
    expect(claimcheck.environment?.NODE_ENV).toBe('production');
  });

  it('points DATABASE_URL at the mysql service', () => {
    expect(claimcheck.environment?.DATABASE_URL).toMatch(/^mysql:\/\/.+@mysql:3306\//);
  });

  it('sets every variable the server needs, and only documented ones', () => {
    const doc = runtimeDoc();
    const documented = new Set([...environmentTable(doc), ...mentionedInProse(doc)]);
    const names = Object.keys(claimcheck.environment ?? {});
    expect(names.filter((name) => !documented.has(name))).toEqual([]);
    for (const name of REQUIRED) expect(claimcheck.environment?.[name]).toBeTruthy();
  });

  it('takes the secrets from .env, which .env.example explains', () => {
    const fromEnvFile = interpolated(composeText);
    expect([...fromEnvFile]).toEqual(
      expect.arrayContaining(['CODE_HMAC_KEYS', 'ADMIN_API_KEYS', 'MYSQL_ROOT_PASSWORD']),
    );
    const explained = envExampleNames();
    expect([...fromEnvFile].filter((name) => !explained.has(name))).toEqual([]);
  });
});
