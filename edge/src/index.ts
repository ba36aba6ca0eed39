// The Worker's entry: HTTP through the hono app, and the attribution job on the cron trigger.
import { app } from './app';
import type { Env } from './env';
import { runScheduledAttribution } from './attribution/scheduled';
import { continueReclassifications } from './ingest/reclassify';

export default {
  fetch: app.fetch,
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    // A channel-rule change too large for its request is finished first, so this run credits it.
    ctx.waitUntil(continueReclassifications(env.DB).then(() => runScheduledAttribution(env, controller.scheduledTime)));
  },
} satisfies ExportedHandler<Env>;
