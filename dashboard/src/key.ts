// The read key both dashboard pages use: checked (a secret key never enters storage) and kept in this
// browser tab's session storage only, so it is forgotten when the tab closes.

import { KEY_PREFIX } from '../../schemas/keys';

export type KeyCheck = { ok: true } | { ok: false; message: string };

/** One slot for both pages: a key given to the dashboard opens the settings page too, in the same tab. */
const KEY_STORE = 'tl_read_key';

export function checkKey(raw: string): KeyCheck {
  const key = raw.trim();
  if (!key) return { ok: false, message: 'Enter a read key (rk_…).' };
  if (key.startsWith(KEY_PREFIX.secret)) {
    return {
      ok: false,
      message:
        'That is a secret key (sk_…). The dashboard never holds a secret key: it could change and erase data. Create a read key with POST /v1/keys {"name": "dashboard", "scope": "read"} and paste its rk_… here.',
    };
  }
  if (key.startsWith(KEY_PREFIX.public)) return { ok: false, message: 'That is the public key the snippet uses (pk_…); it reads nothing. Paste a read key (rk_…).' };
  if (!key.startsWith(KEY_PREFIX.read)) return { ok: false, message: `A read key starts with ${KEY_PREFIX.read}.` };
  return { ok: true };
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORE);
}

/** Keeps a key that passed checkKey, never anything else. */
export function keepKey(key: string): void {
  if (checkKey(key).ok) sessionStorage.setItem(KEY_STORE, key.trim());
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORE);
}
