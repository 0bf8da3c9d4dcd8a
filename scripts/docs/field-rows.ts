/**
 * The fields table of an event, read from its JSON Schema: one row per field, nested objects and arrays
 * of objects flattened as `owner.id` and `messages[].text`.
 *
 * @module
 */

/** One documented field. */
export interface FieldRow {
  readonly path: string
  readonly type: string
  readonly required: boolean
  readonly description: string
}

type JsonSchema = {
  type?: string | string[]
  enum?: unknown[]
  anyOf?: JsonSchema[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema | boolean
  maxItems?: number
  additionalProperties?: JsonSchema | boolean
  description?: string
}

const MAX_DEPTH = 3

/** A union as the element of an array or record, in parentheses: `array of (string | object) | null`. */
function grouped(name: string): string {
  return name.includes(' | ') ? `(${name})` : name
}

function typeName(schema: JsonSchema): string {
  if (schema.anyOf) return [...new Set(schema.anyOf.map(typeName))].join(' | ')
  if (schema.enum) return schema.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' | ')
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []
  return types
    .map((type) => {
      if (type === 'array' && schema.maxItems === 0) return 'empty array'
      if (type === 'array') return `array of ${typeof schema.items === 'object' ? grouped(typeName(schema.items)) : 'any'}`
      if (type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
        const values = typeName(schema.additionalProperties)
        return `record of ${values ? grouped(values) : 'any'}`
      }
      return type
    })
    .join(' | ') || 'any'
}

/**
 * The object schema to descend into: the schema itself, an array's items, or the first variant of a union
 * that holds one, however deep the unions nest (a user `{id, name}` or its id, or null, is
 * `anyOf[anyOf[object, string], null]`).
 */
function objectPart(schema: JsonSchema): { schema: JsonSchema; suffix: string } | undefined {
  if (schema.properties) return { schema, suffix: '' }
  if (typeof schema.items === 'object') {
    const item = objectPart(schema.items)
    if (item) return { schema: item.schema, suffix: `[]${item.suffix}` }
  }
  for (const option of schema.anyOf ?? []) {
    const variant = objectPart(option)
    if (variant) return variant
  }
  return undefined
}

/**
 * Flattens an object schema's fields into rows, parents before children.
 *
 * @example
 * ```ts
 * fieldRows({ type: 'object', properties: { owner: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } } })
 * // [{ path: 'owner', type: 'object', ... }, { path: 'owner.id', type: 'string', required: true, ... }]
 * ```
 */
export function fieldRows(schema: JsonSchema, prefix = '', depth = 0): FieldRow[] {
  const rows: FieldRow[] = []
  const required = new Set(schema.required ?? [])
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`
    const description = field.description ?? field.anyOf?.find((option) => option.description)?.description ?? ''
    rows.push({ path, type: typeName(field), required: required.has(name), description })
    const nested = objectPart(field)
    if (nested && depth + 1 < MAX_DEPTH) rows.push(...fieldRows(nested.schema, `${path}${nested.suffix}.`, depth + 1))
  }
  return rows
}
