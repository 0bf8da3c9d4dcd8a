/**
 * Where the JSON Schema of each event is published. Its content comes from `eventJsonSchema` in
 * `@crm-webhooks/core/providers`, the function `crm-webhooks schema` prints with.
 *
 * @module
 */

/**
 * Where the schema of one event is written, relative to the repository root.
 *
 * @example
 * ```ts
 * eventSchemaPath('connectgain', 'deal.stage.changed') // 'docs/schemas/connectgain/deal.stage.changed.json'
 * ```
 */
export function eventSchemaPath(providerId: string, eventType: string): string {
  return `docs/schemas/${providerId}/${eventType}.json`
}
