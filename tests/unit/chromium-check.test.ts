// What `npm test` does about Chromium before any suite: use it, install Debian's package, or stop with one line.
import { describe, expect, it } from 'vitest';
import { chromiumPlan, DEFAULT_CHROMIUM, MISSING_CHROMIUM, type ChromiumFacts } from '../../scripts/lib/chromium.mjs';

const bare: ChromiumFacts = { needsBrowser: true, defaultExists: false, isRoot: false, hasAptGet: false };

describe('chromiumPlan', () => {
  it('does nothing when no selected suite drives a browser (npm test -- unit)', () => {
    expect(chromiumPlan({ ...bare, needsBrowser: false })).toEqual({ action: 'none' });
    expect(chromiumPlan({ ...bare, needsBrowser: false, isRoot: true, hasAptGet: true })).toEqual({ action: 'none' });
  });

  it('uses CHROMIUM_PATH when it exists, even where Debian\'s browser is installed too', () => {
    const facts = { ...bare, chromiumPath: '/opt/chrome/chrome', chromiumPathExists: true, defaultExists: true };
    expect(chromiumPlan(facts)).toEqual({ action: 'use', path: '/opt/chrome/chrome' });
  });

  it('stops on a CHROMIUM_PATH that does not exist rather than installing over the choice', () => {
    const plan = chromiumPlan({ ...bare, chromiumPath: '/nope/chromium', chromiumPathExists: false, isRoot: true, hasAptGet: true });
    expect(plan.action).toBe('stop');
    expect(plan.action === 'stop' && plan.message).toContain('/nope/chromium');
  });

  it('uses /usr/bin/chromium when it is there', () => {
    expect(chromiumPlan({ ...bare, defaultExists: true })).toEqual({ action: 'use', path: DEFAULT_CHROMIUM });
    expect(DEFAULT_CHROMIUM).toBe('/usr/bin/chromium');
  });

  it('installs Debian\'s chromium when missing, as root with apt-get', () => {
    expect(chromiumPlan({ ...bare, isRoot: true, hasAptGet: true })).toEqual({ action: 'install' });
  });

  it('stops with one line naming the package and CHROMIUM_PATH when it cannot install', () => {
    for (const facts of [bare, { ...bare, isRoot: true }, { ...bare, hasAptGet: true }]) {
      expect(chromiumPlan(facts)).toEqual({ action: 'stop', message: MISSING_CHROMIUM });
    }
    expect(MISSING_CHROMIUM).not.toContain('\n');
    expect(MISSING_CHROMIUM).toContain('apt-get install chromium');
    expect(MISSING_CHROMIUM).toContain('CHROMIUM_PATH');
  });
});
