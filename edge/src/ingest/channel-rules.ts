// A site's own channel rules (docs/governance.md): whole-value, case-insensitive matches with `*`
// wildcards, tried in order before the GA4 rules. Users never supply a regular expression, and
// patterns are not compiled into one either: a hand-written matcher cannot backtrack badly.
import { RULE_FIELDS, type ChannelRule, type RuleField } from '../../../schemas/governance';

/** The values a rule is tested against; null (absent) is tested as the empty text. */
export type RuleInput = Partial<Record<RuleField, string | null>>;

interface CompiledCondition {
  field: RuleField;
  patterns: string[][];
}
interface CompiledRule {
  channel: string;
  conditions: CompiledCondition[];
}
export type CompiledRules = readonly CompiledRule[];

export const NO_RULES: CompiledRules = [];

/**
 * Whether `value` (lower-cased) matches a pattern given as its literal pieces between `*`s: the
 * first piece must start it, the last end it, the others occur in order. Greedy left-to-right
 * search of each middle piece is exact for this pattern language and linear in practice.
 */
export function matchesPieces(value: string, pieces: readonly string[]): boolean {
  if (pieces.length === 1) return value === pieces[0];
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i];
    if (piece === '') continue;
    const found = value.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** A pattern as its literal pieces: "capterra*" → ["capterra", ""]; "*" → ["", ""]. */
export const piecesOf = (pattern: string): string[] => pattern.trim().toLowerCase().split('*');

export function compileRules(rules: readonly ChannelRule[]): CompiledRules {
  return rules.map((r) => ({
    channel: r.channel,
    conditions: RULE_FIELDS.filter((f) => r.when[f] !== undefined).map((field) => ({ field, patterns: r.when[field]!.map(piecesOf) })),
  }));
}

function ruleMatches(rule: CompiledRule, input: RuleInput): boolean {
  for (const c of rule.conditions) {
    const value = (input[c.field] ?? '').trim().toLowerCase();
    if (!c.patterns.some((p) => matchesPieces(value, p))) return false;
  }
  return true;
}

/** The index of the first rule every condition of which holds, or -1. */
export function firstMatchingRule(rules: CompiledRules, input: RuleInput): number {
  for (let i = 0; i < rules.length; i++) if (ruleMatches(rules[i], input)) return i;
  return -1;
}

export function ruleChannel(rules: CompiledRules, input: RuleInput): string | null {
  const i = firstMatchingRule(rules, input);
  return i < 0 ? null : rules[i].channel;
}

/**
 * Compiled rules per isolate, held by the very rules list they were compiled from (the site row's,
 * which the site cache keeps): ingest classifies every touch with them, and a site row read again
 * brings a new list, so a change is picked up with the site. Keyed by the list itself rather than by
 * site and version, the cache can never hand out one rule set for another stored under the same
 * version number, nor grow past the sites the site cache holds.
 */
const compiled = new WeakMap<readonly ChannelRule[], CompiledRules>();
export function siteRules(site: { channelRules: readonly ChannelRule[] }): CompiledRules {
  if (site.channelRules.length === 0) return NO_RULES;
  let rules = compiled.get(site.channelRules);
  if (!rules) {
    rules = compileRules(site.channelRules);
    compiled.set(site.channelRules, rules);
  }
  return rules;
}
