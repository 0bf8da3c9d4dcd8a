import { expectTypeOf, test } from 'vitest'
import type { SecretInput } from '@crm-webhooks/core'
import type { DeliveryLog, DeliveryResult, DeliveryState, Sender, SenderOptions } from './index.js'

test('a send resolves with a final state, never pending; the log record may still be pending', () => {
  expectTypeOf<DeliveryResult['state']>().toEqualTypeOf<'delivered' | 'failed' | 'disabled' | 'cancelled'>()
  expectTypeOf<Awaited<ReturnType<Sender['send']>>['state']>().not.toEqualTypeOf<DeliveryState>()
  expectTypeOf<Parameters<DeliveryLog['close']>[1]>().toEqualTypeOf<DeliveryResult['state']>()
  expectTypeOf<'pending'>().toExtend<DeliveryState>()
})

test('secret takes one secret or a list, as the receiver does (a readonly tuple of a rotation too), and nothing else', () => {
  expectTypeOf<SenderOptions['secret']>().toEqualTypeOf<SecretInput | readonly SecretInput[]>()
  expectTypeOf<readonly ['whsec_old', 'whsec_new']>().toExtend<SenderOptions['secret']>()
  expectTypeOf<[string, { value: Uint8Array; label: string }]>().toExtend<SenderOptions['secret']>()
  expectTypeOf<number[]>().not.toExtend<SenderOptions['secret']>()
  expectTypeOf<undefined>().not.toExtend<SenderOptions['secret']>()
})
