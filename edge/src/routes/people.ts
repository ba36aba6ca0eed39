// DELETE /v1/people?email=…: erase a person — contact, identity links, visitor ids and identifying data.
// Behind the secret-key check that app.ts runs for every /v1 route.
import { Hono } from 'hono';
import { erasePerson } from '../db/people';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { contactIdFor } from '../identity/contacts';
import { normaliseEmail } from '../identity/email';
import { methodNotAllowed } from './method-not-allowed';

export const people = new Hono<AppEnv>();

/**
 * Idempotent: erasing someone unknown, or twice, answers 200 with zero counts, so a privacy
 * request can be retried safely. What is kept, anonymised or deleted: edge/src/db/people.ts.
 */
people.delete('/people', async (c) => {
  const given = c.req.queries('email') ?? [];
  // One person per request: which of two emails would be erased is not the caller's guess to make.
  if (given.length > 1) throw new ApiError(400, 'repeated_email', 'pass exactly one ?email= per request; erase each person with a request of their own');
  const raw = given[0];
  if (!raw) throw new ApiError(400, 'missing_email', 'pass the person to erase as ?email=');
  const email = normaliseEmail(raw);
  if (!email) throw new ApiError(400, 'invalid_email', 'email is not an email address');
  const site = c.get('site');
  const counts = await erasePerson(c.env.DB, site.id, await contactIdFor(site, email), Date.now());
  return c.json({ erased: counts.contacts > 0, ...counts });
});
people.all('/people', methodNotAllowed);
