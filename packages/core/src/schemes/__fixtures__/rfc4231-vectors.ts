/**
 * The HMAC-SHA256 test cases of RFC 4231, section 4 (https://www.rfc-editor.org/rfc/rfc4231#section-4).
 * Test case 5 truncates the output to 128 bits, so only the first 16 bytes of its digest are known.
 * Test-only.
 *
 * @module
 */

/** One RFC 4231 case: key and data bytes, and the expected HMAC-SHA256 (or its first `hex.length / 2` bytes). */
export interface Rfc4231Vector {
  readonly testCase: number
  readonly key: Uint8Array
  readonly data: Uint8Array
  /** The expected output in hex; 32 hex characters (16 bytes) for the truncated case 5. */
  readonly hex: string
  readonly truncated: boolean
}

const repeat = (byte: number, count: number): Uint8Array => new Uint8Array(count).fill(byte)
const text = (value: string): Uint8Array => new TextEncoder().encode(value)

/**
 * RFC 4231 cases 1 to 7.
 *
 * @example
 * ```ts
 * for (const { key, data, hex } of rfc4231Vectors) expect(encodeHex(hmac(key, data))).toBe(hex)
 * ```
 */
export const rfc4231Vectors: readonly Rfc4231Vector[] = [
  {
    testCase: 1,
    key: repeat(0x0b, 20),
    data: text('Hi There'),
    hex: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    truncated: false,
  },
  {
    testCase: 2,
    key: text('Jefe'),
    data: text('what do ya want for nothing?'),
    hex: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    truncated: false,
  },
  {
    testCase: 3,
    key: repeat(0xaa, 20),
    data: repeat(0xdd, 50),
    hex: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    truncated: false,
  },
  {
    testCase: 4,
    key: Uint8Array.from({ length: 25 }, (_, index) => index + 1),
    data: repeat(0xcd, 50),
    hex: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    truncated: false,
  },
  {
    testCase: 5,
    key: repeat(0x0c, 20),
    data: text('Test With Truncation'),
    hex: 'a3b6167473100ee06e0c796c2955552b',
    truncated: true,
  },
  {
    testCase: 6,
    key: repeat(0xaa, 131),
    data: text('Test Using Larger Than Block-Size Key - Hash Key First'),
    hex: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    truncated: false,
  },
  {
    testCase: 7,
    key: repeat(0xaa, 131),
    data: text(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    hex: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    truncated: false,
  },
]
