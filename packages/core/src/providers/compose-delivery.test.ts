import { describe, expect, it } from 'vitest'
import { automatenexus } from './automatenexus/index.js'
import { composeDelivery } from './compose-delivery.js'
import { connectgain } from './connectgain/index.js'
import { workflowPlatform } from './workflow-platform/index.js'

const event = { type: 'deal.won', data: { id: 'deal_1', value: 10 }, id: 'evt_1', occurredAt: new Date('2026-03-21T15:00:00Z') }

describe('composeDelivery', () => {
  it('defaults to the provider first method and body type: a JSON POST with its content type and event headers', () => {
    const composed = composeDelivery(connectgain, { ...event, type: 'deal.stage.changed' })
    expect(composed).toMatchObject({ method: 'POST', query: '' })
    expect(JSON.parse(composed.body!)).toMatchObject({ event: 'deal.stage.changed', data: { id: 'deal_1' } })
    expect(composed.headers).toMatchObject({ 'content-type': 'application/json', 'X-Webhook-Event': 'deal.stage.changed' })
  })

  it('encodes a form body through the provider encodeForm (nested data as JSON text)', () => {
    const composed = composeDelivery(automatenexus, event, { method: 'put', contentType: 'form' })
    expect(composed.method).toBe('PUT')
    expect(composed.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(JSON.parse(new URLSearchParams(composed.body).get('data')!)).toEqual({ id: 'deal_1', value: 10 })
  })

  it('puts a GET or DELETE in the query string, with no body and no content type', () => {
    const composed = composeDelivery(workflowPlatform, { ...event, type: 'lead.qualified', data: { email: 'a@b.c' } }, { method: 'GET' })
    expect(composed.body).toBeUndefined()
    expect(composed.headers['content-type']).toBeUndefined()
    expect(Object.fromEntries(new URLSearchParams(composed.query))).toMatchObject({ event: 'lead.qualified', email: 'a@b.c' })
  })

  it('refuses a method or body type the provider does not send', () => {
    expect(() => composeDelivery(connectgain, event, { method: 'GET' })).toThrow(/connectgain sends POST, not GET/)
    expect(() => composeDelivery(connectgain, event, { contentType: 'form' })).toThrow(/sends json bodies, not form/)
    expect(() => composeDelivery({ ...connectgain, compose: undefined }, event)).toThrow(/has no compose\(\)/)
  })
})
