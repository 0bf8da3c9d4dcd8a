/**
 * Lone surrogates in keys: a JSON event id may carry `"\ud800"`, which JavaScript keeps as one UTF-16 code
 * unit but UTF-8 cannot hold. Drivers encode strings as UTF-8 and turn each lone surrogate into U+FFFD, so
 * two distinct ids would reach a server as one key, and the second delivery would be taken for a duplicate
 * of the first and never handled. A store that sends keys as text writes such keys in a form of its own.
 *
 * @module
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * True when `text` holds a surrogate that is not half of a pair, which UTF-8 cannot carry.
 *
 * @example
 * ```ts
 * hasLoneSurrogate('evt_\ud800') // true: a driver would send it as 'evt_\ufffd'
 * hasLoneSurrogate('evt_😀') // false: a pair is one character
 * ```
 */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}

/**
 * `text` as UTF-8 can carry it, one to one, for a store that already escapes with a backslash (every
 * literal `\` must already be doubled by the caller): each lone surrogate becomes `\u` and its four hex
 * digits.
 *
 * @example
 * ```ts
 * escapeLoneSurrogates('evt_\ud800') // 'evt_\\ud800' (a backslash, then ud800)
 * ```
 */
export function escapeLoneSurrogates(text: string): string {
  return text.replace(new RegExp(LONE_SURROGATE.source, 'g'), (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
