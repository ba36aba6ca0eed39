// Edge redaction: what may never be stored is masked; ordinary values pass through untouched.
import { describe, expect, it } from 'vitest';
import { REDACTED, redactProps, redactText, redactUrl } from '../../edge/src/ingest/redact';

describe('redactText', () => {
  it.each([
    ['mail jane.doe+x@acme.co.uk now', `mail ${REDACTED} now`],
    ['jane%40acme.com', REDACTED],
    ['card 4111 1111 1111 1111', `card ${REDACTED}`],
    ['4111-1111-1111-1111', REDACTED],
    ['from 203.0.113.7', `from ${REDACTED}`],
    ['from 2001:db8:85a3:0:0:8a2e:370:7334', `from ${REDACTED}`],
    ['from 2001:db8::1', `from ${REDACTED}`],
  ])('masks %s', (input, out) => expect(redactText(input)).toBe(out));

  it.each(['order 1234567890123', 'at 10:30:00', 'plan pro', '2026-10-01T10:30:00Z', 'version 4.2'])('keeps %s', (v) =>
    expect(redactText(v)).toBe(v),
  );
});

describe('redactUrl', () => {
  it('masks email-like and secret-named query values, keeps UTMs, drops credentials', () => {
    const out = redactUrl('https://user:pw@acme.com/p?utm_source=x&email=a%40b.com&token=abc&q=jane@acme.com');
    expect(out).toBe(`https://acme.com/p?utm_source=x&email=%5Bredacted%5D&token=%5Bredacted%5D&q=%5Bredacted%5D`);
  });
  it('masks an email in the path', () => {
    expect(redactUrl('https://acme.com/unsubscribe/jane@acme.com')).toBe(`https://acme.com/unsubscribe/${REDACTED}`);
  });
  it('passes null through', () => expect(redactUrl(null)).toBeNull());
  it('keeps a host that is an IP address: it is the site, not the visitor', () => {
    expect(redactUrl('http://127.0.0.1:8787/pricing?ip=10.0.0.1')).toBe('http://127.0.0.1:8787/pricing?ip=%5Bredacted%5D');
  });
});

describe('redactProps', () => {
  it('drops secret-named keys and masks identifying values, recursively', () => {
    expect(
      redactProps({ plan: 'pro', password: 'x', cardNumber: '4111111111111111', ip: '1.2.3.4', note: 'call jane@acme.com', nested: { email: 'a@b.co', seats: 5 } }),
    ).toEqual({ plan: 'pro', note: `call ${REDACTED}`, nested: { seats: 5 } });
  });
  it('masks a Luhn-valid card number given as a number', () => {
    expect(redactProps({ n: 4111111111111111 })).toEqual({ n: REDACTED });
  });
});
