// The Worker's entry: HTTP through the hono app, and the cron's work (edge/src/cron.ts) on its trigger.
import { app } from './app';
import { runCron } from './cron';
import type { Env } from './env';

export default {
  fetch: app.fetch,
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runCron(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
