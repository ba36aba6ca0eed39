// The dashboard holds a read key only: a secret key can write, erase and run jobs, so it never enters this page.

export type KeyCheck = { ok: true } | { ok: false; message: string };

export function checkKey(raw: string): KeyCheck {
  const key = raw.trim();
  if (!key) return { ok: false, message: 'Enter a read key (rk_…).' };
  if (key.startsWith('sk_')) {
    return {
      ok: false,
      message:
        'That is a secret key (sk_…). The dashboard never holds a secret key: it could change and erase data. Create a read key with POST /v1/keys {"name": "dashboard", "scope": "read"} and paste its rk_… here.',
    };
  }
  if (key.startsWith('pk_')) return { ok: false, message: 'That is the public key the snippet uses (pk_…); it reads nothing. Paste a read key (rk_…).' };
  if (!key.startsWith('rk_')) return { ok: false, message: 'A read key starts with rk_.' };
  return { ok: true };
}
