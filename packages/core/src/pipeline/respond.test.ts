import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { WebhookResponse } from '../types.js'
import { acceptedResponse, jsonResponse, responseContent, toFetchResponse } from './respond.js'

describe('acceptedResponse', () => {
  it('writes exactly what jsonResponse writes for the same body, whatever the event name and id hold', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
        fc.boolean(),
        fc.constantFrom(undefined, 'unknown_event' as const, 'invalid_payload' as const),
        (event, id, duplicate, ignored) => {
          const body = { ok: true as const, event, ...(id === undefined ? {} : { id }), duplicate, ...(ignored ? { ignored } : {}) }
          expect(acceptedResponse(202, body)).toEqual(jsonResponse(202, body))
        },
      ),
    )
  })

  it('leaves out members set to undefined, as JSON.stringify does', () => {
    const response = acceptedResponse(200, { ok: true, event: 'deal.won', id: undefined, duplicate: true, ignored: undefined })
    expect(JSON.parse(response.body)).toEqual({ ok: true, event: 'deal.won', duplicate: true })
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
  })
})

describe('responseContent', () => {
  const answer = (status: number) => ({ status, headers: {}, body: '{"ok":true}' })

  it('is the body, except where HTTP gives the response no content', () => {
    expect(responseContent(answer(200), 'POST')).toBe('{"ok":true}')
    expect(responseContent(answer(401))).toBe('{"ok":true}')
    for (const status of [101, 204, 205, 304]) expect(responseContent(answer(status), 'POST')).toBeUndefined()
  })

  it('is nothing for an answer to HEAD, whatever its status', () => {
    for (const status of [200, 405, 500]) expect(responseContent(answer(status), 'HEAD')).toBeUndefined()
  })
})

describe('toFetchResponse', () => {
  it('gives the answer its content as responseContent says, and an answer no Response can hold the JSON 500', async () => {
    const noContent = toFetchResponse({ status: 204, headers: { 'x-a': '1' }, body: 'dropped' }, 'POST')
    expect([noContent.status, noContent.headers.get('x-a'), await noContent.text()]).toEqual([204, '1', ''])
    const unsendable: WebhookResponse[] = [
      { status: 103, headers: {}, body: '' },
      { status: 600, headers: {}, body: '' },
      { status: 200, headers: { 'x-token': 'a\nb' }, body: 'ok' },
      { status: 200, headers: { 'bad name': 'v' }, body: 'ok' },
    ]
    for (const out of unsendable) {
      const response = toFetchResponse(out, 'POST')
      expect([response.status, await response.json()]).toEqual([500, { ok: false, error: { code: 'internal_error', message: 'internal error' } }])
    }
  })
})
