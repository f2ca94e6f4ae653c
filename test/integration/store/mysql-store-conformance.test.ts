/** The MySQL adapter against the conformance suite every adapter must pass. */
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';
import { defineStoreConformance } from '../../conformance/store-conformance';

let fixture: MysqlFixture;

beforeAll(async () => {
  // The race cases claim one code from 50 connections at once.
  fixture = await createMysqlFixture({ connectionLimit: 55 });
});

afterAll(async () => {
  await fixture.close();
});

defineStoreConformance('MySQL', () => fixture.subject());
