/**
 * Where the tests' MySQL comes from, first that applies (runtime.md):
 * TEST_DATABASE_URL; else a MySQL 8.4 container when a container runtime
 * answers; else a server at mysql://root@127.0.0.1:3306; else a failure that
 * says how to provide one. Each test file creates and drops its own database.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

const LOCAL_SERVER_URL = 'mysql://root@127.0.0.1:3306';

async function answers(url: string): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 3000 });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

/** Resolved once per run by global-setup; workers read TEST_DATABASE_URL. */
export async function resolveServerUrl(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) return { url: given, stop: async () => {} };
  const container = await startContainer();
  if (container) return container;
  if (await answers(LOCAL_SERVER_URL)) return { url: LOCAL_SERVER_URL, stop: async () => {} };
  throw new Error(
    'No MySQL for the tests: set TEST_DATABASE_URL=mysql://user:pass@host:port, start Docker (testcontainers runs MySQL 8.4), or run a server at 127.0.0.1:3306 (user root, empty password).',
  );
}

async function startContainer(): Promise<{ url: string; stop: () => Promise<void> } | null> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch {
    return null;
  }
  const { MySqlContainer } = await import('@testcontainers/mysql');
  const container = await new MySqlContainer('mysql:8.4').withRootPassword('test').start();
  const url = `mysql://root:test@${container.getHost()}:${container.getPort()}`;
  return { url, stop: async () => void (await container.stop()) };
}

export function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (global-setup resolves it)');
  return url;
}

export interface TestDatabase {
  readonly name: string;
  /** mysql://…/<name> */
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database that only this test file uses. */
export async function createTestDatabase(prefix = 'cc_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: serverUrl() });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const connection = await mysql.createConnection({ uri: serverUrl() });
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}
