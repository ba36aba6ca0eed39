// Names of URL parameters and event properties whose values are secrets or personal data whatever
// they look like (?pw=Hunter2, {"api_key": …}): such values are masked whole.

/**
 * Parts that mark a name wherever they appear in it. The union of Sentry's default server-side
 * scrubbing list (password, secret, passwd, api_key, apikey, auth, credentials, mysql_pwd,
 * privatekey, private_key, token, bearer) and Rails' default filter_parameters (passw, email,
 * secret, token, _key, crypt, salt, certificate, otp, ssn, cvv, cvc), plus session and card names.
 */
const ANYWHERE = [
  'passw', 'pwd', 'secret', 'token', 'apikey', 'api_key', '_key', 'auth', 'credential', 'crypt', 'salt',
  'certificate', 'privatekey', 'private_key', 'bearer', 'session', 'csrf', 'xsrf', 'cookie', 'jwt',
  'signature', 'ssn', 'cvv', 'cvc', 'iban', 'card', 'ccnum', 'cc_num', 'email', 'e-mail', 'e_mail',
];

/** Whole words of a name ("user_pw", "apiKey", "x-sig"): too short to match inside other words. */
const WORDS = new Set(['pw', 'pin', 'otp', 'sig', 'sid', 'key', 'code', 'nonce', 'ip', 'ipaddr', 'mail', 'passcode']);

/** True when a parameter or property called `name` holds a secret or personal data. */
export function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  if (ANYWHERE.some((part) => lower.includes(part))) return true;
  // camelCase and snake/kebab-case split into words: "userPw" → user, pw.
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/);
  return words.some((w) => WORDS.has(w));
}
