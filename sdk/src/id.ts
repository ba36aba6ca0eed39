// Random ids for events, sessions, visitors and tabs: 21 chars of [A-Za-z0-9_] (125 bits), no dependency.

/**
 * Base64 of 16 random bytes, cut to 21 characters, with + and / both made _: btoa is smaller in the
 * bundle than an alphabet, and one merged symbol costs under a bit of the id's 126.
 */
export const newId = (): string => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16)))).slice(0, 21).replace(/\W/g, '_');
