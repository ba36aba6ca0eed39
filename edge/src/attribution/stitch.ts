// Attribution keys: the unit a conversion and its touches are stitched into, and how it is reported.
//
// Stitching itself is done in SQL (edge/src/db/attribution.ts) by these rules, the same for touches
// and conversions so that both land on the same key:
//   1. an explicit account_domain wins;
//   2. else the contact's account, or '(personal):<contact_id>' for a free-mail contact;
//   3. else, through identity_links, the account of the contact(s) the anonymous id was identified
//      as — a touch goes to every such contact's key (a shared device carries its history to each),
//      a conversion to the most recently linked one (it must be credited exactly once);
//   4. else the anonymous id alone, '(visitor):<visitor_id>', so an unidentified visitor's form
//      conversion is still credited from its own touches;
//   5. a conversion with none of these is '(none):<conversion_id>' and is credited "(no touch)".
// Identity links are used whenever they exist, whatever their time: identification is retroactive.
import { PERSONAL_ACCOUNT } from '../identity/email';

export const NO_TOUCH = '(no touch)';
export const ANONYMOUS_ACCOUNT = '(anonymous)';

const PERSONAL = '(personal):';
const VISITOR = '(visitor):';
const NONE = '(none):';

export type AkeyParts =
  | { kind: 'account'; domain: string }
  | { kind: 'personal'; contactId: string }
  | { kind: 'visitor'; visitorId: string }
  | { kind: 'none'; conversionId: string };

/** Domains never contain parentheses, so the prefixes cannot collide with an account. */
export function parseAkey(akey: string): AkeyParts {
  if (akey.startsWith(PERSONAL)) return { kind: 'personal', contactId: akey.slice(PERSONAL.length) };
  if (akey.startsWith(VISITOR)) return { kind: 'visitor', visitorId: akey.slice(VISITOR.length) };
  if (akey.startsWith(NONE)) return { kind: 'none', conversionId: akey.slice(NONE.length) };
  return { kind: 'account', domain: akey };
}

/** What credit rows carry as account_domain, for group_by=account. */
export function reportedAccount(akey: string): string {
  const p = parseAkey(akey);
  if (p.kind === 'account') return p.domain;
  if (p.kind === 'personal') return PERSONAL_ACCOUNT;
  if (p.kind === 'visitor') return ANONYMOUS_ACCOUNT;
  return NO_TOUCH;
}

export interface AkeyLists {
  domains: string[];
  contacts: string[];
  visitors: string[];
  conversions: string[];
}

/** Splits keys by kind, for queries that reach each kind through its own index. */
export function splitAkeys(akeys: readonly string[]): AkeyLists {
  const out: AkeyLists = { domains: [], contacts: [], visitors: [], conversions: [] };
  for (const akey of akeys) {
    const p = parseAkey(akey);
    if (p.kind === 'account') out.domains.push(p.domain);
    else if (p.kind === 'personal') out.contacts.push(p.contactId);
    else if (p.kind === 'visitor') out.visitors.push(p.visitorId);
    else out.conversions.push(p.conversionId);
  }
  return out;
}
