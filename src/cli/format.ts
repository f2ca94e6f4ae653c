/** How codes are written out: CSV for spreadsheets and mail merges, JSON Lines for programs. */
import type { CodeView, IssuedCode } from '../codes/types';
import type { OutputFormat } from './options';

type Cell = string | number | Date | null;
type Row = Record<string, Cell>;

function cellText(value: Cell): string {
  if (value === null) return '';
  return value instanceof Date ? value.toISOString() : String(value);
}

/** RFC 4180 quoting: only when the value would otherwise break the row. */
function csvCell(value: Cell): string {
  const text = cellText(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function jsonObject(columns: readonly string[], row: Row): Record<string, string | number | null> {
  return Object.fromEntries(
    columns.map((column) => [column, row[column] instanceof Date ? cellText(row[column]) : row[column]]),
  );
}

/** Writes rows of one shape; the CSV header comes with the first batch. */
export class RowWriter {
  #headerWritten = false;

  constructor(
    private readonly format: OutputFormat,
    private readonly columns: readonly string[],
  ) {}

  lines(rows: readonly Row[]): string {
    const lines = rows.map((row) => this.line(row));
    if (this.format === 'csv' && !this.#headerWritten) {
      this.#headerWritten = true;
      lines.unshift(this.columns.join(','));
    }
    return lines.map((line) => `${line}\n`).join('');
  }

  private line(row: Row): string {
    if (this.format === 'csv') return this.columns.map((column) => csvCell(row[column])).join(',');
    return JSON.stringify(jsonObject(this.columns, row));
  }
}

export const ISSUED_COLUMNS = ['code', 'id', 'expires_at', 'purpose', 'scope', 'grant', 'key_version'] as const;

export function issuedRow(issued: IssuedCode): Row {
  const { record } = issued;
  return {
    code: issued.code,
    id: record.id,
    expires_at: record.expiresAt,
    purpose: record.purpose,
    scope: record.scope,
    grant: record.grant,
    key_version: record.keyVersion,
  };
}

export const CODE_COLUMNS = [
  'id',
  'state',
  'purpose',
  'scope',
  'grant',
  'key_version',
  'created_at',
  'expires_at',
  'used_at',
  'used_by',
  'revoked_at',
] as const;

export function codeRow(code: CodeView): Row {
  return {
    id: code.id,
    state: code.state,
    purpose: code.purpose,
    scope: code.scope,
    grant: code.grant,
    key_version: code.keyVersion,
    created_at: code.createdAt,
    expires_at: code.expiresAt,
    used_at: code.usedAt,
    used_by: code.usedBy,
    revoked_at: code.revokedAt,
  };
}

/** One code as an indented JSON object, for `show` and `revoke`. */
export function codeJson(code: CodeView): string {
  return JSON.stringify(jsonObject(CODE_COLUMNS, codeRow(code)), null, 2);
}
