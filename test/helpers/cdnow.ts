/** How the README imports the CDNOW transactions (whitespace-separated, no header), for importFile. */
export const CDNOW_IMPORT = {
  kind: 'orders' as const,
  source: 'import',
  columns: ['master_id', 'id', 'date', 'n_cds', 'dollar_value'],
  map: { id: 'userId', date: 'timestamp', dollar_value: 'revenue', n_cds: 'quantity' },
  dateFormat: 'yyyyMMdd',
  currency: 'USD',
}
