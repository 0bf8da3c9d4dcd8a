import { expectTypeOf, test } from 'vitest'
import type { DeliveryLog, DeliveryResult, DeliveryState, Sender } from './index.js'

test('a send resolves with a final state, never pending; the log record may still be pending', () => {
  expectTypeOf<DeliveryResult['state']>().toEqualTypeOf<'delivered' | 'failed' | 'disabled' | 'cancelled'>()
  expectTypeOf<Awaited<ReturnType<Sender['send']>>['state']>().not.toEqualTypeOf<DeliveryState>()
  expectTypeOf<Parameters<DeliveryLog['close']>[1]>().toEqualTypeOf<DeliveryResult['state']>()
  expectTypeOf<'pending'>().toExtend<DeliveryState>()
})
