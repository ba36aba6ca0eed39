// Channel-rule matching, from a table of cases: `*` wildcards, whole values, case, literal regular-
// expression characters, every condition of a rule, first match wins; and the hygiene normalisation.
import { describe, expect, it, vi } from 'vitest';
import { compileRules, matchesPieces, piecesOf, ruleChannel, siteRules } from '../../edge/src/ingest/channel-rules';
import { normalizeCampaignValue } from '../../schemas/governance';

const matches = (pattern: string, value: string) => matchesPieces(value.toLowerCase(), piecesOf(pattern));

describe('matchesPieces', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything at all', true],
    ['**', 'x', true],
    ['g2', 'g2', true],
    ['g2', 'g2x', false],
    ['g2', 'xg2', false],
    ['G2', 'g2', true],
    ['g2', 'G2', true],
    ['capterra*', 'capterra', true],
    ['capterra*', 'capterra.com', true],
    ['capterra*', 'getcapterra.com', false],
    ['*.com', 'g2.com', true],
    ['*.com', 'g2.co', false],
    ['ab*cd', 'abcd', true],
    ['ab*cd', 'ab-middle-cd', true],
    ['ab*cd', 'abc', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['a*b*c', 'a-b-c', true],
    ['a*b*c', 'a-c-b', false],
    ['*b*', 'abc', true],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
    ['(x)+', 'xx', false],
    ['^g2$', 'g2', false],
    ['^g2$', '^g2$', true],
    ['[a-z]', 'q', false],
    ['a?c', 'abc', false],
    ['a\\d', 'a\\d', true],
    ['émail', 'ÉMAIL', true],
  ])('%s against %j → %s', (pattern, value, expected) => {
    expect(matches(pattern, value)).toBe(expected);
  });

  it('never backtracks: a pattern that would as a regular expression searches each piece once', () => {
    // As a regular expression this takes time exponential in the stars; here each middle piece is
    // looked for once, left to right, so the work is one pass over the value per piece.
    const value = 'a'.repeat(1024);
    const pattern = '*a*a*a*a*a*a*a*a*a*a*b';
    const searched = vi.spyOn(String.prototype, 'indexOf');
    try {
      expect(matches(pattern, value)).toBe(false);
      expect(matches(pattern, `${value}b`)).toBe(true);
      expect(searched.mock.calls.length).toBeLessThanOrEqual(2 * (piecesOf(pattern).length - 2));
    } finally {
      searched.mockRestore();
    }
  });
});

describe('ruleChannel', () => {
  const rules = compileRules([
    { channel: 'Review Sites', when: { source: ['g2', 'capterra*'] } },
    { channel: 'Paid Review', when: { source: ['g2'], medium: ['cpc'] } },
    { channel: 'Pricing', when: { landing_path: ['/pricing*'], touch_type: ['form_fill'] } },
  ]);
  it.each([
    [{ source: 'G2', medium: 'cpc' }, 'Review Sites'],
    [{ source: 'capterra.com', medium: 'referral' }, 'Review Sites'],
    [{ source: 'bing', medium: 'cpc' }, null],
    [{ landing_path: '/pricing/teams', touch_type: 'form_fill' }, 'Pricing'],
    [{ landing_path: '/pricing/teams', touch_type: 'web_visit' }, null],
    [{ landing_path: null, touch_type: 'form_fill' }, null],
  ])('%j → %s', (input, expected) => {
    expect(ruleChannel(rules, input)).toBe(expected);
  });
});

describe('normalizeCampaignValue', () => {
  it.each([
    [' Spring Sale ', 'spring_sale'],
    ['spring-sale', 'spring_sale'],
    ['spring+sale', 'spring_sale'],
    ['spring%20sale', 'spring_sale'],
    ['SPRING_SALE', 'spring_sale'],
    ['spring--sale', 'spring__sale'],
  ])('%j → %j', (value, expected) => {
    expect(normalizeCampaignValue(value)).toBe(expected);
  });
});

describe('siteRules', () => {
  it('compiles each rule list it is given, even two lists stored under one site and version', () => {
    const site = (channel: string) => ({ id: 'site_1', channelRulesVersion: 1, channelRules: [{ channel, when: { source: ['g2'] } }] });
    const first = site('Review Sites');
    const second = site('Partners');
    expect(ruleChannel(siteRules(first), { source: 'g2' })).toBe('Review Sites');
    expect(ruleChannel(siteRules(second), { source: 'g2' })).toBe('Partners');
    // The same list again is the cached compilation.
    expect(siteRules(first)).toBe(siteRules(first));
  });
});
