// The prefixes that tell a site's keys apart, spelled once for the Worker (which issues and checks
// them) and the dashboard (which refuses the wrong kind before sending it). No validator here: the
// dashboard imports these values, so this file stays free of zod.

export const KEY_PREFIX = {
  /** The snippet's key, public in every page: ingest only. */
  public: 'pk_',
  /** The server-side key: everything for its site, never in a page. */
  secret: 'sk_',
  /** A read-only key for the query API and the dashboard. */
  read: 'rk_',
} as const;
