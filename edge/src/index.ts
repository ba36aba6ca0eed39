// The Worker's entry: HTTP through the hono app, and the attribution job on the cron trigger.
import { app } from './app';
import type { Env } from './env';
import { runScheduledAttribution } from './attribution/scheduled';

export default {
  fetch: app.fetch,
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runScheduledAttribution(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
