// Sites (tenants): rows, settings defaults, and lookups by public key and secret-key hash.
import { DEFAULT_CURRENCY } from '../../../schemas/currencies';
import type { ChannelRule } from '../../../schemas/governance';

export interface SiteSettings {
  window_days: number;
  half_life_days: number;
  session_minutes: number;
  custom_weights: Record<string, number>;
  block_headless: boolean;
  /** ISO 4217: the currency revenue and spend are reported in; other amounts are converted into it. */
  currency: string;
  /** Lower-case UTM values at ingest (never click ids), so spellings that differ only in case merge. */
  lowercase_utms: boolean;
}

export const DEFAULT_SETTINGS: SiteSettings = {
  window_days: 90,
  half_life_days: 7,
  session_minutes: 30,
  custom_weights: {},
  block_headless: true,
  currency: DEFAULT_CURRENCY,
  lowercase_utms: false,
};

export interface Site {
  id: string;
  name: string;
  publicKey: string;
  hashKey: string;
  origins: string[];
  settings: SiteSettings;
  /** The site's channel rules (channel_rules table), read with the site so ingest needs no second lookup. */
  channelRules: ChannelRule[];
  channelRulesVersion: number;
  createdAt: number;
  updatedAt: number;
}

interface SiteRow {
  id: string;
  name: string;
  public_key: string;
  hash_key: string;
  origins: string;
  settings: string;
  created_at: number;
  updated_at: number;
  channel_rules: string | null;
  channel_rules_version: number | null;
}

const COLUMNS = `s.id, s.name, s.public_key, s.hash_key, s.origins, s.settings, s.created_at, s.updated_at,
  r.rules AS channel_rules, r.version AS channel_rules_version`;
const FROM = 'sites s LEFT JOIN channel_rules r ON r.site_id = s.id';

function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    name: row.name,
    publicKey: row.public_key,
    hashKey: row.hash_key,
    origins: JSON.parse(row.origins) as string[],
    settings: { ...DEFAULT_SETTINGS, ...(JSON.parse(row.settings) as Partial<SiteSettings>) },
    channelRules: row.channel_rules ? (JSON.parse(row.channel_rules) as ChannelRule[]) : [],
    channelRulesVersion: row.channel_rules_version ?? 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function findSiteByPublicKey(db: D1Database, publicKey: string): Promise<Site | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE s.public_key = ?`).bind(publicKey).first<SiteRow>();
  return row ? toSite(row) : null;
}

export async function findSiteBySecretHash(db: D1Database, secretHash: string): Promise<Site | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE s.secret_hash = ?`).bind(secretHash).first<SiteRow>();
  return row ? toSite(row) : null;
}

export async function findSiteById(db: D1Database, id: string): Promise<Site | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE s.id = ?`).bind(id).first<SiteRow>();
  return row ? toSite(row) : null;
}

/** True when some site lists `origin` among its allowed origins. */
export async function isSiteOrigin(db: D1Database, origin: string): Promise<boolean> {
  const row = await db
    .prepare('SELECT 1 AS known FROM sites, json_each(sites.origins) AS o WHERE o.value = ? LIMIT 1')
    .bind(origin)
    .first<{ known: number }>();
  return row !== null;
}

export interface NewSite {
  id: string;
  name: string;
  publicKey: string;
  secretHash: string;
  hashKey: string;
  origins: string[];
  settings: Partial<SiteSettings>;
  now: number;
}

export function insertSiteStatement(db: D1Database, s: NewSite): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO sites (id, name, public_key, secret_hash, hash_key, origins, settings, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(s.id, s.name, s.publicKey, s.secretHash, s.hashKey, JSON.stringify(s.origins), JSON.stringify(s.settings), s.now, s.now);
}

/** The update of a site's name, origins and settings, as a statement so a change log entry can share its batch. */
export function updateSiteStatement(
  db: D1Database,
  id: string,
  change: { name?: string; origins?: string[]; settings?: Partial<SiteSettings> },
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE sites SET name = COALESCE(?, name), origins = COALESCE(?, origins),
              settings = COALESCE(?, settings), updated_at = ? WHERE id = ?`,
    )
    .bind(
      change.name ?? null,
      change.origins ? JSON.stringify(change.origins) : null,
      change.settings ? JSON.stringify(change.settings) : null,
      now,
      id,
    );
}

export function updateSecretHashStatement(db: D1Database, id: string, secretHash: string, now: number): D1PreparedStatement {
  return db.prepare('UPDATE sites SET secret_hash = ?, updated_at = ? WHERE id = ?').bind(secretHash, now, id);
}

/** Only the settings a caller changed are stored, so later default changes still apply to the rest. */
export function storedSettings(site: Site | null, patch: Partial<SiteSettings>): Partial<SiteSettings> {
  const current = site ? diffFromDefaults(site.settings) : {};
  return { ...current, ...patch };
}

function diffFromDefaults(s: SiteSettings): Partial<SiteSettings> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (JSON.stringify(v) !== JSON.stringify(DEFAULT_SETTINGS[k as keyof SiteSettings])) out[k] = v;
  }
  return out as Partial<SiteSettings>;
}
