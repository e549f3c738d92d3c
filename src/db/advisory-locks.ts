// Every PostgreSQL advisory lock the registry takes, in one list, so that no two jobs ever share a
// key by accident. Each job that must run on one instance at a time (or once across instances)
// takes its key; the SQL functions that take one themselves name the same number.

export const ADVISORY_LOCKS = {
  /** Applying migrations (src/db/migrate.ts): instances starting together apply each once. */
  migrations: 7304140000,
  /** Chaining committed audit entries (SQL function audit_seal, migration 20261126001600). */
  auditSeal: 7304140001,
  /** Rebuilding stale stored enterprise documents (the document refresher). */
  documentRefresh: 7304140002,
} as const
