// Attribution keys: the unit a conversion and its touches are stitched into (docs/attribution.md,
// "Identity"), as TypeScript and as the SQL that computes them, from one set of prefixes.
//
// A key is an account domain; '(personal):<contact_id>' for a free-mail contact;
// '(visitor):<visitor_id>' for a visitor never identified; '(none):<conversion_id>' for a conversion
// that resolves to nobody (credited "(no touch)"). Domains never contain parentheses, so the
// prefixes cannot collide with an account.
//
// Stitching rules, the same for touches and conversions so that both land on the same key:
//   1. an explicit account_domain wins;
//   2. else the contact's account, or the contact's personal key for a free-mail contact;
//   3. else, through identity_links, the key of the contact(s) the anonymous id was identified as —
//      a touch goes to every such contact's key (a shared device carries its history to each), a
//      conversion to the most recently linked one (it must be credited exactly once);
//   4. else the anonymous id alone, so an unidentified visitor's form conversion is still credited;
//   5. a conversion with none of these is credited "(no touch)".
// Identity links are used whenever they exist, whatever their time: identification is retroactive.

const PERSONAL = '(personal):';
const VISITOR = '(visitor):';
const NONE = '(none):';

/** What group_by=account shows for keys that are not an account. */
export const PERSONAL_ACCOUNT = '(personal)';
export const ANONYMOUS_ACCOUNT = '(anonymous)';
export const NO_TOUCH = '(no touch)';

export type AkeyParts =
  | { kind: 'account'; domain: string }
  | { kind: 'personal'; contactId: string }
  | { kind: 'visitor'; visitorId: string }
  | { kind: 'none'; conversionId: string };

export function formatAkey(p: AkeyParts): string {
  switch (p.kind) {
    case 'account':
      return p.domain;
    case 'personal':
      return PERSONAL + p.contactId;
    case 'visitor':
      return VISITOR + p.visitorId;
    case 'none':
      return NONE + p.conversionId;
  }
}

export function parseAkey(akey: string): AkeyParts {
  if (akey.startsWith(PERSONAL)) return { kind: 'personal', contactId: akey.slice(PERSONAL.length) };
  if (akey.startsWith(VISITOR)) return { kind: 'visitor', visitorId: akey.slice(VISITOR.length) };
  if (akey.startsWith(NONE)) return { kind: 'none', conversionId: akey.slice(NONE.length) };
  return { kind: 'account', domain: akey };
}

/** What credit reports show as the account of a key (group_by=account). */
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

/**
 * The same rules as SQL expressions over column names. Constant text built from the prefixes above,
 * never from values: callers splice them into statements whose values are all bound.
 */
export const akeySql = {
  personal: (contactId: string) => `'${PERSONAL}' || ${contactId}`,
  visitor: (visitorId: string) => `'${VISITOR}' || ${visitorId}`,
  none: (conversionId: string) => `'${NONE}' || ${conversionId}`,
  /** A contact row's key (rule 2): its account, or its personal key. */
  contact: (ct: string) => `COALESCE(${ct}.account_domain, '${PERSONAL}' || ${ct}.contact_id)`,
  /** Keys that name one person (erasure removes them instead of recomputing them). */
  namesPerson: (akey: string) => `(${akey} LIKE '${PERSONAL}%' OR ${akey} LIKE '${VISITOR}%')`,
};

/**
 * The key a conversion row `cv` is credited under (rules 1–5). Rule 3 takes the most recent link,
 * ties broken by contact id, so the key is one and the same wherever it is computed.
 */
export const CONVERSION_AKEY_SQL = `COALESCE(
  cv.account_domain,
  (SELECT ${akeySql.contact('ct')} FROM contacts ct
    WHERE ct.site_id = cv.site_id AND ct.contact_id = cv.contact_id),
  (SELECT ${akeySql.contact('ct')}
    FROM identity_links l JOIN contacts ct ON ct.site_id = l.site_id AND ct.contact_id = l.contact_id
    WHERE l.site_id = cv.site_id AND l.visitor_id = cv.visitor_id
    ORDER BY l.linked_at DESC, l.contact_id DESC LIMIT 1),
  ${akeySql.visitor('cv.visitor_id')},
  ${akeySql.none('cv.conversion_id')})`;
