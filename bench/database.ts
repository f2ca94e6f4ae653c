/** A fresh database for one benchmark run, dropped at its end. */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/** The local server of runtime.md, when nothing else is named. */
const LOCAL_SERVER_URL = 'mysql://root@127.0.0.1:3306';

export interface BenchDatabase {
  readonly name: string;
  /** mysql://…/<name>, for the server's DATABASE_URL and the raw baselines. */
  readonly url: string;
  /** What SELECT VERSION() says, for the report. */
  readonly version: string;
  drop(): Promise<void>;
}

/** BENCH_DATABASE_URL, else the test suite's TEST_DATABASE_URL, else the local server. */
export function benchServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.BENCH_DATABASE_URL || env.TEST_DATABASE_URL || LOCAL_SERVER_URL;
}

export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `cc_bench_${randomBytes(6).toString('hex')}`;
  const version = await onServer(serverUrl, async (connection) => {
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
    return String(rows[0]!.version);
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    version,
    drop: () =>
      onServer(serverUrl, async (connection) => void (await connection.query(`DROP DATABASE IF EXISTS \`${name}\``))),
  };
}

async function onServer<T>(serverUrl: string, work: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection({ uri: serverUrl, connectTimeout: 3000 });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}
