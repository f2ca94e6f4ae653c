import net from 'node:net';
import { StoreError, StoreUnavailable } from '../../../src/store/errors';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import { classifyDriverError, retryTransaction, toStoreError } from '../../../src/store/mysql/errors';
import { openMysqlDatabase } from '../../../src/store/mysql/pool';

function driverError(fields: { errno?: number; code?: string; message?: string; fatal?: boolean }): Error {
  return Object.assign(new Error(fields.message ?? 'driver error'), fields);
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('an unreachable database', () => {
  it('is StoreUnavailable("refused") when nothing listens', async () => {
    const pool = openMysqlDatabase(`mysql://root@127.0.0.1:${await closedPort()}/claimcheck`, { connectionLimit: 1 });
    try {
      const error = await new MysqlCodeStore(pool).ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailable);
      expect(error).toMatchObject({ reason: 'refused', outcomeUnknown: false });
      expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await pool.end();
    }
  });

  it('is StoreUnavailable("timeout") when the server never answers', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    const port = await listen(silent);
    const pool = openMysqlDatabase(`mysql://root@127.0.0.1:${port}/claimcheck`, {
      connectionLimit: 1,
      connectTimeoutMs: 200,
    });
    try {
      await expect(new MysqlCodeStore(pool).ping()).rejects.toMatchObject({ reason: 'timeout' });
    } finally {
      await pool.end();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('driver error translation', () => {
  it.each([
    [{ errno: 1062, code: 'ER_DUP_ENTRY' }, 'duplicate'],
    [{ errno: 1105, message: 'target: ks.-80.primary: vttablet: (errno 1062) (sqlstate 23000)' }, 'duplicate'],
    [{ errno: 8147 }, 'duplicate'],
    [{ errno: 1213 }, 'retryable'],
    [{ errno: 1205 }, 'retryable'],
    [{ errno: 3101 }, 'retryable'],
    [{ errno: 9007 }, 'retryable'],
    [{ errno: 1105, message: 'vttablet: Deadlock found (errno 1213) (sqlstate 40001)' }, 'retryable'],
    [{ errno: 1040, code: 'ER_CON_COUNT_ERROR' }, 'refused'],
    [{ code: 'ECONNREFUSED' }, 'refused'],
    [{ message: 'Pool is closed.' }, 'refused'],
    [{ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }, 'lost'],
    [{ errno: 2013 }, 'lost'],
    [{ errno: 1053 }, 'lost'],
    [
      { errno: 1047, code: 'ER_UNKNOWN_COM_ERROR', message: 'WSREP has not yet prepared node for application use' },
      'refused',
    ],
    [{ errno: 1180, code: 'ER_ERROR_DURING_COMMIT' }, 'lost'],
    [{ code: 'ECONNRESET' }, 'lost'],
    [{ code: 'PROTOCOL_SEQUENCE_TIMEOUT' }, 'timeout'],
    [{ code: 'ETIMEDOUT' }, 'timeout'],
    [{ errno: 1146, code: 'ER_NO_SUCH_TABLE' }, 'other'],
    [{ errno: 1105, message: 'something else' }, 'other'],
  ])('classifies %j as %s', (fields, kind) => {
    expect(classifyDriverError(driverError(fields))).toBe(kind);
  });

  it('keeps values out of the message and the cause', () => {
    const secret = "Duplicate entry '\\x01secret' for key 'uq_codes_lookup_key'";
    const error = toStoreError(
      Object.assign(driverError({ errno: 1062, message: secret }), { sql: "INSERT ... VALUES (X'00ff')" }),
      'insertCodes',
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).not.toContain('secret');
    expect(String((error.cause as Error).message)).not.toContain('secret');
    expect(error.cause).not.toHaveProperty('sql');
    expect(error.cause).toMatchObject({ errno: 1062 });
  });
});

describe('retryTransaction', () => {
  const policy = { maxAttempts: 3, baseDelayMs: 1 };

  it('runs the whole transaction again after a retryable error', async () => {
    const attempt = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(driverError({ errno: 1213 }))
      .mockRejectedValueOnce(driverError({ errno: 1105, message: 'x (errno 9007)' }))
      .mockResolvedValue('done');
    await expect(retryTransaction(policy, attempt)).resolves.toBe('done');
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it('gives up after the last attempt, and never retries other errors', async () => {
    const deadlocked = jest.fn<Promise<string>, []>().mockRejectedValue(driverError({ errno: 1213 }));
    await expect(retryTransaction(policy, deadlocked)).rejects.toMatchObject({ errno: 1213 });
    expect(deadlocked).toHaveBeenCalledTimes(3);
    const broken = jest.fn<Promise<string>, []>().mockRejectedValue(driverError({ errno: 1146 }));
    await expect(retryTransaction(policy, broken)).rejects.toMatchObject({ errno: 1146 });
    expect(broken).toHaveBeenCalledTimes(1);
  });

  it('waits at most maxDelayMs before any one attempt', async () => {
    const capped = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 5 };
    const deadlocked = jest.fn<Promise<string>, []>().mockRejectedValue(driverError({ errno: 1213 }));
    const started = Date.now();
    await expect(retryTransaction(capped, deadlocked)).rejects.toMatchObject({ errno: 1213 });
    // Uncapped, the five waits would average 31 s.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(deadlocked).toHaveBeenCalledTimes(6);
  });
});
