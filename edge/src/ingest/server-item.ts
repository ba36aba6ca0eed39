// The common start of every CRM-style item (offline touch, conversion): its shape, its occurred_at,
// who it belongs to, and the id it is stored under.
import type { z } from 'zod';
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { issueMessage } from '../errors';
import { storedId } from '../identity/stored-id';
import type { Rejection } from './ingest-items';
import { serverTime } from './time';
import { resolveWho, type Who } from './who';

type ServerItem = { id: string | number; occurred_at: string | number; email?: string; anonymous_id?: string; account_domain?: string };

export async function readServerItem<T extends ServerItem>(
  site: Site,
  w: WriteSet,
  item: unknown,
  schema: z.ZodType<T>,
  invalidCode: string,
  receivedAt: number,
): Promise<{ data: T; id: string; at: number; who: Who } | Rejection> {
  const parsed = schema.safeParse(item);
  if (!parsed.success) return { code: invalidCode, message: issueMessage(parsed.error.issues) };
  const data = parsed.data;
  const time = serverTime('occurred_at', data.occurred_at, null, receivedAt);
  if ('code' in time) return time;
  const who = await resolveWho(site, w, data, time.at);
  if ('code' in who) return who;
  // A CRM's own id, as given (4711 and "4711" alike), unless it could identify someone.
  return { data, id: await storedId(site, String(data.id)), at: time.at, who };
}
