// ISO 4217 currency codes: the one validator for a site's reporting currency, spend and exchange rates.
import { z } from 'zod';

/**
 * Active ISO 4217 codes (SIX's list A.1, 2025), fund and precious-metal codes included; not XTS
 * (testing) or XXX (no currency). A code outside the list is most likely a typo ("USS", "EUD"), and
 * an amount in it could never be converted, so it is refused where it is sent.
 */
const CODES = `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS
SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV
WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL`;

export const CURRENCY_CODES: ReadonlySet<string> = new Set(CODES.split(/\s+/));

export const DEFAULT_CURRENCY = 'USD';

/** A currency code in any case, stored upper-case. */
export const currencyCode = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'currency must be a three-letter ISO 4217 code such as USD or EUR')
  .transform((s) => s.toUpperCase())
  .refine((s) => CURRENCY_CODES.has(s), 'currency is not an ISO 4217 code')
  .meta({ description: 'ISO 4217 code (any case), e.g. USD, EUR', examples: ['USD', 'EUR'] });
