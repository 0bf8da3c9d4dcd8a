/**
 * The plugin inside a NestJS app on the Fastify platform, registered as the README shows: `app.register()` in
 * main.ts before `listen()`. Nest's own JSON and form parsers (with or without `rawBody`) stay on the rest of the
 * app; the plugin's scope has none.
 */
import 'reflect-metadata'
import { Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify'
import type { Receiver } from '@crm-webhooks/core'
import { type ConformanceEntry, badInputCases, runConformanceSuite } from '@crm-webhooks/core/testing'
import { crmWebhooks } from './index.js'

class AppModule {}
Module({})(AppModule)

function nestEntry(name: string, options: { rawBody?: boolean } = {}): ConformanceEntry {
  return {
    name,
    async start(receiver: Receiver<any>) {
      const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false, ...options })
      await app.register(crmWebhooks, { receiver, path: '/webhooks' })
      await app.listen(0, '127.0.0.1')
      return { url: `${await app.getUrl()}/webhooks`.replace('[::1]', '127.0.0.1'), close: () => app.close() }
    },
  }
}

runConformanceSuite(nestEntry('NestJS (Fastify): app.register() in main.ts'))
runConformanceSuite(nestEntry('NestJS (Fastify): app.register() in main.ts (bad input)'), { cases: badInputCases })
runConformanceSuite(nestEntry('NestJS (Fastify): app.register() in main.ts, { rawBody: true }', { rawBody: true }))
