// Edge redaction: what may never be stored is masked, on decoded values; ordinary values pass through untouched.
import { describe, expect, it } from 'vitest';
import { hasPersonalData, REDACTED, redactProps, redactText, redactUrl, wellFormed } from '../../edge/src/identity/redact';
import { isSecretName } from '../../edge/src/identity/secret-names';

describe('redactText', () => {
  it.each([
    ['mail jane.doe+x@acme.co.uk now', `mail ${REDACTED} now`],
    ['jane%40acme.com', REDACTED],
    ['jane%2540acme.com', REDACTED],
    ['card 4111 1111 1111 1111', `card ${REDACTED}`],
    ['4111-1111-1111-1111', REDACTED],
    ['4111%201111%201111%201111', REDACTED],
    ['4111%25201111%25201111%25201111', REDACTED],
    ['４１１１１１１１１１１１１１１１', REDACTED],
    ['jane＠acme.com', REDACTED],
    ['from 203.0.113.7', `from ${REDACTED}`],
    ['from 2001:db8:85a3:0:0:8a2e:370:7334', `from ${REDACTED}`],
    ['from 2001:db8::1', `from ${REDACTED}`],
    ['jane@bücher.de', REDACTED],
    ['jöhn.doe@acme.com', REDACTED],
    ['ünal@münchen.example', REDACTED],
    ['jane@xn--bcher-kva.de', REDACTED],
  ])('masks %s', (input, out) => expect(redactText(input)).toBe(out));

  it.each(['order 1234567890123', 'at 10:30:00', 'plan pro', '2026-10-01T10:30:00Z', 'version 4.2', '100% off', 'Größe 42', 'a%20b'])('keeps %s', (v) =>
    expect(redactText(v)).toBe(v),
  );

  it('replaces lone surrogates and NUL, which cannot be stored as UTF-8', () => {
    expect(redactText('a\ud800b\u0000c\udc00')).toBe('a\ufffdb\ufffdc\ufffd');
    expect(wellFormed('emoji 😀 stays')).toBe('emoji 😀 stays');
  });
});

describe('redactUrl', () => {
  it('masks email-like and secret-named query values, keeps UTMs, drops credentials', () => {
    const out = redactUrl('https://user:pw@acme.com/p?utm_source=x&email=a%40b.com&token=abc&q=jane@acme.com');
    expect(out).toBe(`https://acme.com/p?utm_source=x&email=${REDACTED}&token=${REDACTED}&q=${REDACTED}`);
  });
  it.each(['pw', 'pwd', 'password', 'passwd', 'secret', 'client_secret', 'token', 'access_token', 'api_key', 'apiKey', 'key', 'auth', 'sig', 'session_id', 'otp', 'code', 'userPw'])(
    'masks the value of ?%s=',
    (name) => expect(redactUrl(`https://acme.com/login?${name}=Hunter2&utm_source=x`)).toBe(`https://acme.com/login?${name}=${REDACTED}&utm_source=x`),
  );
  it('masks an email in the path, plain, percent-encoded or encoded twice', () => {
    expect(redactUrl('https://acme.com/unsubscribe/jane@acme.com')).toBe(`https://acme.com/unsubscribe/${REDACTED}`);
    expect(redactUrl('https://acme.com/unsubscribe/jane%40acme.com/x')).toBe(`https://acme.com/unsubscribe/${REDACTED}/x`);
    expect(redactUrl('https://acme.com/u/jane%2540acme.com')).toBe(`https://acme.com/u/${REDACTED}`);
  });
  it('masks card numbers and emails in queries and fragments, however encoded', () => {
    expect(redactUrl('https://acme.com/pay?c=4111%25201111%25201111%25201111')).toBe(`https://acme.com/pay?c=${REDACTED}`);
    expect(redactUrl('https://acme.com/p#jane%2540acme.com')).toBe(`https://acme.com/p#${REDACTED}`);
    expect(redactUrl('https://acme.com/p#/users/jane@acme.com')).toBe(`https://acme.com/p#/users/${REDACTED}`);
    expect(redactUrl('https://acme.com/cb#access_token=abc&state=ok')).toBe(`https://acme.com/cb#access_token=${REDACTED}&state=ok`);
    expect(redactUrl('https://acme.com/?jane%40acme.com=1')).toBe(`https://acme.com/?${REDACTED}=1`);
  });
  it('redacts a URL inside a URL as a URL', () => {
    expect(redactUrl('https://acme.com/login?next=https%3A%2F%2Facme.com%2Fa%3Ftoken%3Dxyz')).toBe(
      `https://acme.com/login?next=https:%2F%2Facme.com%2Fa%3Ftoken%3D${REDACTED}`,
    );
  });
  it('keeps a URL inside a URL as written when nothing in it is masked', () => {
    expect(redactUrl('https://acme.com/?api=http://127.0.0.1:8787&x=1')).toBe('https://acme.com/?api=http://127.0.0.1:8787&x=1');
  });
  it('keeps what holds nothing personal exactly as written', () => {
    const url = 'https://acme.com/a%20b/c?utm_source=google&utm_term=attribution+software&q=%C3%A9t%C3%A9#pricing';
    expect(redactUrl(url)).toBe(url);
  });
  it('redacts a relative URL (a form action as written) like an absolute one', () => {
    expect(redactUrl('/thanks?pw=Hunter2&to=jane%2540acme.com')).toBe(`/thanks?pw=${REDACTED}&to=${REDACTED}`);
  });
  it('passes null through', () => expect(redactUrl(null)).toBeNull());
  it('keeps a host that is an IP address: it is the site, not the visitor', () => {
    expect(redactUrl('http://127.0.0.1:8787/pricing?ip=10.0.0.1')).toBe(`http://127.0.0.1:8787/pricing?ip=${REDACTED}`);
  });
});

describe('redactProps', () => {
  it('masks secret-named values and identifying values and names, recursively', () => {
    expect(
      redactProps({ plan: 'pro', password: 'x', cardNumber: '4111111111111111', ip: '1.2.3.4', note: 'call jane@acme.com', 'jane@acme.com': 1, nested: { email: 'a@b.co', seats: 5 } }),
    ).toEqual({ plan: 'pro', password: REDACTED, cardNumber: REDACTED, ip: REDACTED, note: `call ${REDACTED}`, [REDACTED]: 1, nested: { email: REDACTED, seats: 5 } });
  });
  it('masks a Luhn-valid card number given as a number', () => {
    expect(redactProps({ n: 4111111111111111 })).toEqual({ n: REDACTED });
  });
  it('redacts URL values as URLs (Segment properties.url and .referrer)', () => {
    expect(redactProps({ url: 'https://acme.com/?pw=Hunter2', referrer: 'https://x.com/?token=abc' })).toEqual({
      url: `https://acme.com/?pw=${REDACTED}`,
      referrer: `https://x.com/?token=${REDACTED}`,
    });
  });
});

describe('isSecretName and hasPersonalData', () => {
  it('does not take campaign parameters for secrets', () => {
    for (const name of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'utm_id', 'gclid', 'msclkid', 'li_fat_id', 'fbclid', 'plan', 'form_id', 'title']) {
      expect(isSecretName(name), name).toBe(false);
    }
  });
  it('finds personal data in ids', () => {
    expect(hasPersonalData('jane@acme.com 4111111111111111')).toBe(true);
    expect(hasPersonalData('006Dn00000AbCdEfGH')).toBe(false);
    expect(hasPersonalData('deal:2026/acme #1')).toBe(false);
  });
});
