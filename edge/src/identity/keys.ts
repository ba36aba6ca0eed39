// Generation of site ids and keys: random, never fixed values (the local demo site is the one exception, made by npm start).
import { customAlphabet } from 'nanoid';
import { KEY_PREFIX } from '../../../schemas/keys';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const random24 = customAlphabet(alphabet, 24);
const random40 = customAlphabet(alphabet, 40);

export const newSiteId = () => `site_${random24()}`;
export const newPublicKey = () => `${KEY_PREFIX.public}${random24()}`;
/** 40 base-62 characters ≈ 238 bits: plain SHA-256 of it is a safe stored form. */
export const newSecretKey = () => `${KEY_PREFIX.secret}${random40()}`;
export const newHashKey = () => random40();
/** Read keys are random like secret keys (and stored only as a SHA-256 hash); their id is not secret. */
export const newReadKey = () => `${KEY_PREFIX.read}${random40()}`;
export const newReadKeyId = () => `key_${random24()}`;
/** How much of a read key is kept in clear, so people can tell their keys apart: "rk_" + 6 characters. */
export const READ_KEY_PREFIX_CHARS = 9;
