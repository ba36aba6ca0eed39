// DELETE /v1/people?email=…: erase a person — contact, identity links, visitor ids and identifying data.
// Behind the secret-key check that app.ts runs for every /v1 route.
import { createRoute, z } from '@hono/zod-openapi';
import { rebuildMonths } from '../attribution/funnel-rebuild';
import { D1Meter } from '../db/meter';
import { erasePerson } from '../db/people';
import { ApiError } from '../errors';
import { contactIdFor } from '../identity/contacts';
import { normaliseEmail } from '../identity/email';
import { methodNotAllowed } from './method-not-allowed';
import { errorResponses, SECURITY, TAG } from './openapi-parts';
import { createRouter } from './openapi-router';
import { erasure } from './response-schemas';

export const people = createRouter();

const eraseRoute = createRoute({
  method: 'delete',
  path: '/people',
  tags: [TAG.server],
  summary: 'Erase a person',
  description: 'Identity links, contact record and identifying data. Idempotent.',
  security: SECURITY.secret,
  request: { query: z.object({ email: z.string().min(1).meta({ description: 'the person to erase; one per request' }) }) },
  responses: {
    200: { description: 'what was erased', content: { 'application/json': { schema: erasure } } },
    ...errorResponses(400, 401, 403),
  },
});

/**
 * Idempotent: erasing someone unknown, or twice, answers 200 with zero counts, so a privacy
 * request can be retried safely. What is kept, anonymised or deleted: edge/src/db/people.ts.
 */
people.openapi(
  eraseRoute,
  async (c) => {
    const email = normaliseEmail(c.req.valid('query').email);
    if (!email) throw new ApiError(400, 'invalid_email', 'email is not an email address');
    const site = c.get('site');
    const { counts, funnelMonths } = await erasePerson(c.env.DB, site.id, await contactIdFor(site, email), Date.now());
    // The funnel's months that held the person's keys are rebuilt now; should another run be at them, it does.
    if (funnelMonths.length) await rebuildMonths(new D1Meter(c.env.DB), site.id, funnelMonths);
    return c.json({ erased: counts.contacts > 0, ...counts }, 200);
  },
  // This route's own codes: the email missing, or given twice.
  (result, c) => {
    if (result.success) return;
    // One person per request: which of two emails would be erased is not the caller's guess to make.
    if ((c.req.queries('email') ?? []).length > 1) {
      throw new ApiError(400, 'repeated_email', 'pass exactly one ?email= per request; erase each person with a request of their own');
    }
    throw new ApiError(400, 'missing_email', 'pass the person to erase as ?email=');
  },
);
people.all('/people', methodNotAllowed);
