export type ExportFormat = 'json' | 'ndjson' | 'csv' | 'xlsx';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'ndjson', 'csv', 'xlsx'];

export function isExportFormat(value: unknown): value is ExportFormat {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value);
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  // header=present (RFC 4180 §3) tells importers the first line is the header.
  csv: 'text/csv; charset=utf-8; header=present',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function contentTypeFor(format: ExportFormat): string {
  return CONTENT_TYPES[format];
}

/** Without the dot, so callers build `${name}.${fileExtension(format)}`. */
export function fileExtension(format: ExportFormat): string {
  return format;
}
