// Random ids for events, sessions, visitors and tabs: 21 chars of [A-Za-z0-9_-] (126 bits), no dependency.

/** Base64url of 16 random bytes, cut to 21 characters: btoa is smaller in the bundle than an alphabet. */
export const newId = (): string =>
  btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
    .slice(0, 21)
    .replace(/[+/]/g, (c) => (c == '+' ? '-' : '_'));
