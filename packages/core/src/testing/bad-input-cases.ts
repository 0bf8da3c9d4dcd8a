/**
 * The bad-input matrix (issue 8): what a receiver on the public internet is sent by mistake or on purpose.
 * Every row expects a typed error code with its status and no handler run (or, for the rows that probe a
 * limit from the inside, a normal 200), and the runner then checks that the entry point still serves a
 * valid delivery. Same shape as the conformance table, so every entry point runs it through
 * `runConformanceSuite(entry, { cases: badInputCases })`.
 *
 * @module
 */
import { gzipSync } from 'node:zlib'
import type { WebhookErrorCode } from '../errors.js'
import { type RawStep, rawHttpExchange, requestHead } from '../reliability/raw-http-exchange.js'
import type { WebhookEvent } from '../types.js'
import { type ConformanceCase, type ConformanceTarget, errorBody } from './conformance-case.js'
import { CONFORMANCE_SECRET, conformanceEventBody, conformanceProvider, signedRequest } from './conformance-kit.js'

const SIGNATURE_HEADER = conformanceProvider.scheme.signatureHeader

async function signatureOf(body: string | Uint8Array): Promise<string> {
  return (await conformanceProvider.scheme.sign({ body }, CONFORMANCE_SECRET))[SIGNATURE_HEADER]!
}

/** A row that expects `code` with its status, and no handler run. */
function rejected(
  name: string,
  code: WebhookErrorCode,
  status: number,
  rest: Omit<ConformanceCase, 'name' | 'expect'> & Partial<Pick<ConformanceCase, 'expect'>>,
): ConformanceCase {
  return { name: `bad input: ${name} (${status} ${code})`, expect: { status, body: errorBody(code), handled: 0 }, ...rest } as ConformanceCase
}

/** A row whose requests go over a raw socket: the first response is the one checked. */
function overSocket(steps: (target: ConformanceTarget) => Promise<RawStep[]>) {
  return {
    requires: ['sockets'] as const,
    send: async (target: ConformanceTarget) => rawHttpExchange(target.url, await steps(target)),
  }
}

/** `request` with one more header. */
function withHeader<Request extends { headers?: Record<string, string> }>(request: Request, name: string, value: string): Request {
  return { ...request, headers: { ...request.headers, [name]: value } }
}

/** A signed request with this exact body. */
const signedBody = (body: string | Uint8Array, contentType = 'application/json') => () => signedRequest({ body, contentType })

/** Fails the handler (so the row's 200 becomes a 500) when anything polluted reached it. */
function assertUnpolluted(event: WebhookEvent): void {
  const polluted = ({} as Record<string, unknown>).polluted !== undefined || Object.hasOwn(Object.prototype, 'polluted')
  const walk = (value: unknown): boolean =>
    value !== null &&
    typeof value === 'object' &&
    (Object.hasOwn(value, '__proto__') ||
      ![Object.prototype, Array.prototype, null].includes(Object.getPrototypeOf(value)) ||
      Object.values(value).some(walk))
  if (polluted || walk(event.payload) || walk(event.data)) throw new Error('a polluted object reached the handler')
}

const LIMIT = 4096
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
const bytes = (...values: number[]) => new Uint8Array(values)
const withBytes = (prefix: string, middle: Uint8Array, suffix: string) =>
  new Uint8Array([...new TextEncoder().encode(prefix), ...middle, ...new TextEncoder().encode(suffix)])

const sizeAndSpeed: ConformanceCase[] = [
  rejected('a declared Content-Length over the limit is refused before the body is read', 'payload_too_large', 413, {
    receiver: { maxBodyBytes: LIMIT, bodyTimeoutMs: 5_000 },
    ...overSocket(async (target) => [
      requestHead('POST', target.url, { 'content-type': 'application/json', 'content-length': '50000000', [SIGNATURE_HEADER]: '00' }),
      'x'.repeat(1024),
      { pauseMs: 8_000 },
    ]),
  }),
  rejected('a chunked body with no length, past the limit, is cut off while streaming', 'payload_too_large', 413, {
    receiver: { maxBodyBytes: LIMIT, bodyTimeoutMs: 5_000 },
    ...overSocket(async (target) => [
      requestHead('POST', target.url, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', [SIGNATURE_HEADER]: '00' }),
      // Never the final 0-length chunk: the rejection must come from counting, not from the end.
      ...Array.from({ length: 16 }, () => `400\r\n${'x'.repeat(1024)}\r\n`),
      { pauseMs: 8_000 },
    ]),
  }),
  rejected('a Content-Length that undercounts: only the declared bytes are the body, and they are not what was signed', 'invalid_signature', 401, {
    ...overSocket(async (target) => {
      const event = conformanceEventBody('evt_undercount')
      // The signed bytes run on into what the server reads as a second, pipelined request: the declared
      // length cuts the body short, so the bytes verified are not the bytes signed.
      const signed = `${event}${requestHead('GET', target.url, {})}`
      const head = requestHead('POST', target.url, {
        'content-type': 'application/json',
        'content-length': String(event.length),
        [SIGNATURE_HEADER]: await signatureOf(signed),
      })
      return [head + signed]
    }),
  }),
  rejected('a Content-Length that overcounts: the missing bytes never come and the read times out', 'request_timeout', 408, {
    receiver: { bodyTimeoutMs: 300 },
    ...overSocket(async (target) => {
      const body = conformanceEventBody('evt_overcount')
      const head = requestHead('POST', target.url, {
        'content-type': 'application/json',
        'content-length': String(body.length + 100),
        [SIGNATURE_HEADER]: await signatureOf(body),
      })
      return [head + body, { pauseMs: 5_000 }]
    }),
  }),
  rejected('a valid delivery trickled a few bytes at a time past the body deadline', 'request_timeout', 408, {
    receiver: { bodyTimeoutMs: 400 },
    ...overSocket(async (target) => {
      const body = conformanceEventBody('evt_trickle')
      const head = requestHead('POST', target.url, {
        'content-type': 'application/json',
        'content-length': String(body.length),
        [SIGNATURE_HEADER]: await signatureOf(body),
      })
      // Each byte arrives well within any idle timeout; only a deadline on the whole body stops it.
      const drip = [...body.match(/.{1,4}/g)!].flatMap((piece): RawStep[] => [piece, { pauseMs: 50 }])
      return [head, ...drip]
    }),
  }),
  rejected('headers sent, then the body never comes', 'request_timeout', 408, {
    receiver: { bodyTimeoutMs: 300 },
    ...overSocket(async (target) => [
      requestHead('POST', target.url, { 'content-type': 'application/json', 'content-length': '200', [SIGNATURE_HEADER]: '00' }),
      { pauseMs: 5_000 },
    ]),
  }),
]

const malformedJson: ConformanceCase[] = [
  ...[
    ['truncated', '{"event":"contact.created","id":"evt_1","email":'],
    ['trailing garbage', `${conformanceEventBody('evt_garbage')} trailing`],
    ['single quotes', "{'event':'contact.created'}"],
    ['a trailing comma', '{"event":"contact.created","id":"evt_1",}'],
    ['NaN', '{"event":"contact.created","id":"evt_1","n":NaN}'],
    ['a bare word', 'contact.created'],
  ].map(([what, body]) => rejected(`malformed JSON, ${what}`, 'invalid_body', 400, { request: signedBody(body!) })),
  rejected('JSON nested 100 000 deep: a typed error, no stack overflow', 'invalid_body', 400, {
    request: signedBody(`{"event":"contact.created","id":"evt_deep","email":"a@b.c","x":${nested(100_000)}}`),
  }),
  rejected('JSON nested one level past the 128 limit', 'invalid_body', 400, {
    request: signedBody(`{"event":"contact.created","id":"evt_129","email":"a@b.c","x":${nested(128)}}`),
  }),
  {
    name: 'bad input: JSON nested 100 deep inside a genuine event is within the limit (200)',
    request: signedBody(`{"event":"contact.created","id":"evt_100","email":"a@b.c","x":${nested(100)}}`),
    expect: { status: 200, handled: 1 },
  },
]

const pollution: ConformanceCase[] = [
  {
    name: 'bad input: __proto__ keys, plain and \\u-escaped, reach no handler and pollute nothing (200)',
    handler: assertUnpolluted,
    request: signedBody(
      '{"event":"contact.created","id":"evt_proto","email":"a@b.c","__proto__":{"polluted":1},' +
        '"\\u005f_proto__":{"polluted":2},"nested":{"__pr\\u006fto__":{"polluted":3},"list":[{"__proto__":{"polluted":4}}]}}',
    ),
    expect: { status: 200, handled: 1 },
  },
  {
    name: 'bad input: constructor.prototype keys stay plain data and pollute nothing (200)',
    handler: assertUnpolluted,
    request: signedBody(
      '{"event":"contact.created","id":"evt_ctor","email":"a@b.c","constructor":{"prototype":{"polluted":1}},"nested":{"constructor":{"prototype":{"polluted":2}}}}',
    ),
    expect: { status: 200, handled: 1 },
  },
  {
    name: 'bad input: a __proto__ form field is dropped and pollutes nothing (200)',
    handler: assertUnpolluted,
    request: signedBody(
      'event=contact.created&id=evt_form_proto&email=a%40b.c&__proto__=x&%5F%5Fproto%5F%5F%5Bpolluted%5D=1',
      'application/x-www-form-urlencoded',
    ),
    expect: { status: 200, handled: 1 },
  },
]

const signatureHeaders: ConformanceCase[] = [
  rejected('two signature header lines, one right and one wrong', 'invalid_signature', 401, {
    ...overSocket(async (target) => {
      const body = conformanceEventBody('evt_two_lines')
      const right = await signatureOf(body)
      const head = requestHead('POST', target.url, {
        'content-type': 'application/json',
        'content-length': String(body.length),
        [SIGNATURE_HEADER]: [right, 'f'.repeat(64)],
      })
      return [head + body]
    }),
  }),
  rejected('two identical right signature header lines: never one copy picked', 'invalid_signature', 401, {
    ...overSocket(async (target) => {
      const body = conformanceEventBody('evt_two_right')
      const right = await signatureOf(body)
      const head = requestHead('POST', target.url, {
        'content-type': 'application/json',
        'content-length': String(body.length),
        [SIGNATURE_HEADER]: [right, right],
      })
      return [head + body]
    }),
  }),
  rejected('the signature folded with another value by a proxy ("sig, sig")', 'invalid_signature', 401, {
    request: async () => {
      const request = await signedRequest({ id: 'evt_folded' })
      const signature = request.headers![SIGNATURE_HEADER]!
      return { ...request, headers: { ...request.headers, [SIGNATURE_HEADER]: `${signature}, ${signature}` } }
    },
  }),
  {
    name: 'bad input: the signature header name in mixed case on the wire is the same header (200)',
    ...overSocket(async (target) => {
      const body = conformanceEventBody('evt_mixed_case')
      const head = requestHead('POST', target.url, {
        'Content-Type': 'application/json',
        'Content-Length': String(body.length),
        'x-cOnFoRmAnCe-SIGNATURE': await signatureOf(body),
      })
      return [head + body]
    }),
    expect: { status: 200, handled: 1 },
  },
]

const contentTypes: ConformanceCase[] = [
  ...[
    'application/json; charset=iso-8859-1',
    'application/json; charset=utf-16',
    'application/xml',
    'multipart/form-data; boundary=x',
    'text/html; charset=utf-8',
  ].map((contentType) =>
    rejected(`Content-Type ${contentType}`, 'unsupported_media_type', 415, { request: signedBody(conformanceEventBody('evt_type'), contentType) }),
  ),
  // A compressed body is refused on the header alone, whether the framework would inflate it or not.
  ...['gzip', 'deflate, gzip', 'br'].map((contentEncoding) =>
    rejected(`Content-Encoding ${contentEncoding}`, 'unsupported_media_type', 415, {
      request: async () => withHeader(await signedRequest({ id: 'evt_encoded' }), 'content-encoding', contentEncoding),
    }),
  ),
  // node:http undoes only `chunked`: a compressing transfer coding would leave gzip bytes to verify.
  rejected('Transfer-Encoding gzip, chunked', 'unsupported_media_type', 415, {
    ...overSocket(async (target) => {
      const body = conformanceEventBody('evt_gzip_transfer')
      const compressed = gzipSync(body)
      const head = requestHead('POST', target.url, {
        'content-type': 'application/json',
        'transfer-encoding': 'gzip, chunked',
        [SIGNATURE_HEADER]: await signatureOf(body),
      })
      return [head, `${compressed.length.toString(16)}\r\n`, compressed, '\r\n0\r\n\r\n']
    }),
  }),
  // Node's parser keeps the first copy of a repeated Content-Type where Fetch joins them: every entry point
  // must read every copy, so the same bytes get the same answer everywhere.
  rejected('two Content-Type lines, JSON then text/plain: every copy is read', 'unsupported_media_type', 415, {
    ...overSocket(async (target) => {
      const body = conformanceEventBody('evt_two_types')
      const head = requestHead('POST', target.url, {
        'content-type': ['application/json', 'text/plain'],
        'content-length': String(body.length),
        [SIGNATURE_HEADER]: await signatureOf(body),
      })
      return [head + body]
    }),
  }),
  {
    name: 'bad input: Content-Encoding identity is no encoding (200)',
    request: async () => withHeader(await signedRequest({ id: 'evt_identity' }), 'content-encoding', 'Identity'),
    expect: { status: 200, handled: 1 },
  },
  {
    name: 'bad input: Content-Type application/json; charset="UTF-8" in any case is JSON (200)',
    request: signedBody(conformanceEventBody('evt_charset_case'), 'APPLICATION/JSON; Charset="UTF-8"'),
    expect: { status: 200, handled: 1 },
  },
]

const emptyAndMethods: ConformanceCase[] = [
  rejected('an empty body, signed', 'invalid_body', 400, { request: signedBody('') }),
  rejected('an empty body, unsigned', 'missing_signature', 401, {
    request: () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '' }),
  }),
  ...['PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((method) =>
    rejected(`a correctly signed ${method}`, 'method_not_allowed', 405, {
      request: async () => ({ ...(await signedRequest({ id: `evt_${method}` })), method }),
      expect: { status: 405, body: errorBody('method_not_allowed'), headers: { allow: 'POST' }, handled: 0 },
    }),
  ),
]

const invalidUtf8: ConformanceCase[] = [
  ['a 0xff byte', bytes(0xff)],
  ['an overlong encoding of "/" (0xc0 0xaf)', bytes(0xc0, 0xaf)],
  ['a UTF-16 surrogate encoded in UTF-8 (0xed 0xa0 0x80)', bytes(0xed, 0xa0, 0x80)],
  ['a lone continuation byte (0x80)', bytes(0x80)],
].map(([what, middle]) =>
  rejected(`invalid UTF-8 in a signed body: ${what as string}`, 'invalid_body', 400, {
    request: signedBody(withBytes('{"event":"contact.created","id":"evt_utf8","email":"', middle as Uint8Array, '@b.c"}')),
  }),
)
invalidUtf8.push(
  rejected('invalid UTF-8: a multi-byte sequence cut off at the end of the body', 'invalid_body', 400, {
    request: signedBody(withBytes('{"event":"contact.created","id":"evt_cut","email":"a@b.c"}', bytes(0xe2, 0x82), '')),
  }),
)

/**
 * The bad-input table, in the conformance case format.
 *
 * @example
 * ```ts
 * import { badInputCases, runConformanceSuite } from '@crm-webhooks/core/testing'
 * runConformanceSuite(myEntry, { cases: badInputCases })
 * ```
 */
export const badInputCases: readonly ConformanceCase[] = [
  ...sizeAndSpeed,
  ...malformedJson,
  ...pollution,
  ...signatureHeaders,
  ...contentTypes,
  ...emptyAndMethods,
  ...invalidUtf8,
]
