// First light: the Worker answers and a site can be created.
import { describe, expect, it } from 'vitest';
import { call, createSite } from './helpers';

describe('worker', () => {
  it('answers health and creates a site', async () => {
    expect((await call('/healthz')).status).toBe(200);
    const site = await createSite();
    expect(site.public_key).toMatch(/^pk_/);
    expect(site.secret_key).toMatch(/^sk_/);
  });
});
