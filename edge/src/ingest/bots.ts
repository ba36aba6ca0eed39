// Bot filter: crawlers, fetchers and libraries by user agent (ua-parser-js), plus automation
// signals (headless browsers, navigator.webdriver). Bots are counted per site, never stored.
import { isBot } from 'ua-parser-js/bot-detection';

export interface BotSignals {
  userAgent: string | null;
  /** Client hints brand list (Sec-CH-UA), which headless Chromium also reveals. */
  clientHints: string | null;
  /** The snippet's report of navigator.webdriver. */
  webdriver: boolean;
}

export type BotVerdict = null | 'no_user_agent' | 'crawler' | 'headless' | 'automation';

const HEADLESS = /HeadlessChrome|PhantomJS|SlimerJS|Electron\/|puppeteer|playwright|selenium/i;

/** Why this request is a bot, or null for a human visitor. */
export function detectBot(signals: BotSignals, blockHeadless: boolean): BotVerdict {
  const ua = signals.userAgent?.trim();
  if (!ua) return 'no_user_agent';
  if (isBot(ua)) return 'crawler';
  if (!blockHeadless) return null;
  if (HEADLESS.test(ua) || (signals.clientHints && /Headless/i.test(signals.clientHints))) return 'headless';
  if (signals.webdriver) return 'automation';
  return null;
}

/** Device class for the visitors table; the raw user agent is never stored. */
export function deviceClass(ua: string | null): string {
  if (!ua) return 'other';
  if (/iPad|Tablet/i.test(ua)) return 'tablet';
  if (/Mobi|Android|iPhone/i.test(ua)) return 'mobile';
  return 'desktop';
}
