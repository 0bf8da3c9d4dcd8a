/**
 * Schemas for fields a vendor document never shows, shared by the providers' events.ts. A schema must
 * never reject a genuine delivery (a 422 is answered again on every retry), so where a real payload could
 * plausibly take either of two shapes, these accept both.
 *
 * @module
 */
import * as z from 'zod'

/**
 * A number, or the numeric string many billing systems and SQL `numeric` columns serialize to. The string is
 * not checked to be numeric: an amount written `"1,499.00"` passes as text rather than cost the delivery.
 *
 * @example
 * ```ts
 * const amount = numberOrNumericString('Amount in `currency` units').nullish()
 * ```
 */
export const numberOrNumericString = (what: string) =>
  z.union([z.number(), z.string().describe('The same as text, e.g. `"1499.00"` (not checked to be numeric)')]).describe(`${what} (a number, or a numeric string)`)

/**
 * A user as the provider's user object, or just the user id: a CRM may send either, and a strict object
 * would turn an id into a 422 on every retry.
 *
 * @example
 * ```ts
 * const assignedTo = userObjectOrId(user).nullish().describe('User the task is assigned to')
 * ```
 */
export const userObjectOrId = <User extends z.ZodType>(user: User) => z.union([user, z.string().describe('User id')])

/**
 * Values by field name, as a JSON object; an empty JSON array is read as the empty map it stands for. PHP's
 * `json_encode` writes an empty associative array as `[]` (a contact with no custom field set), and refused,
 * such a delivery would be a 422 on every retry. Any other array is still refused.
 *
 * @example
 * ```ts
 * const customFields = valuesByName('Custom field values by field name').nullish()
 * customFields.parse([]) // {}
 * ```
 */
export const valuesByName = (what: string) =>
  z
    .union([
      z.record(z.string(), z.unknown()),
      // Not z.tuple([]): its JSON Schema (`prefixItems: []`) is no valid draft 2020-12, which needs one item at least.
      z
        .array(z.never())
        .max(0)
        .describe('An empty array, as PHP encodes an empty map: read as `{}`')
        .transform((): Record<string, unknown> => ({})),
    ])
    .describe(what)

/**
 * Form field values by field name, as {@link valuesByName} reads them, or as a list of `{name, value}` entries,
 * the other shape form tools send submissions in, read as the same map (the last entry of a name wins; a
 * `__proto__` name is dropped, as JSON bodies' `__proto__` keys are). Any other array is still refused.
 *
 * @example
 * ```ts
 * const fields = formFieldValues('Every form field value, by field name').nullish()
 * fields.parse([{ name: 'email', value: 'a@b.c' }]) // { email: 'a@b.c' }
 * ```
 */
export const formFieldValues = (what: string) =>
  z
    .union([
      valuesByName(what),
      z
        // A tool may leave an empty field's value out: the name is what the entry must give.
        .array(z.looseObject({ name: z.string().describe('Field name'), value: z.unknown().optional().describe('Field value') }))
        .describe('A list of `{name, value}` entries: read as the map of values by name')
        .transform((entries): Record<string, unknown> => {
          const byName: Record<string, unknown> = {}
          for (const { name, value } of entries) if (name !== '__proto__') byName[name] = value
          return byName
        }),
    ])
    .describe(what)

/**
 * Custom field values by field name, as {@link valuesByName} reads them, or as a list of entries, each with its
 * field's `id`, `key` or `name` where the sender gives one: CRMs that key custom fields by an opaque field id send
 * them that way (`[{"id": "cf_3Kq9", "value": "..."}]`). The list is handed over as sent: an id is no field name
 * to key a map by, and an entry naming none is kept rather than cost the delivery a 422 on every retry.
 *
 * @example
 * ```ts
 * const customFields = valuesByNameOrEntries('Custom field values by field key').nullish()
 * customFields.parse([{ id: 'cf_3Kq9', value: 'VIP' }]) // [{ id: 'cf_3Kq9', value: 'VIP' }]
 * ```
 */
export const valuesByNameOrEntries = (what: string) =>
  z
    .union([
      valuesByName(what),
      z
        .array(
          z.looseObject({
            id: numberOrText('Field id').nullish(),
            key: z.string().nullish().describe('Field key'),
            name: z.string().nullish().describe('Field name'),
            value: z.unknown().optional().describe('Field value'),
          }),
        )
        .describe('A list of entries, each with its field\'s `id`, `key` or `name` where the sender gives one: handed over as sent'),
    ])
    .describe(what)

/**
 * What an update modified: the names of the fields, or the changes by field name (`{phone: {old, new}}`). A
 * vendor that names `changed_fields` without showing it may send either, and refusing one would make every
 * update a 422 on each retry.
 *
 * @example
 * ```ts
 * const contactUpdated = z.looseObject({ ...contactFields, changed_fields: changedFieldsOrChanges('What was modified').nullish() })
 * ```
 */
export const changedFieldsOrChanges = (what: string) =>
  z
    .union([z.array(z.string()).describe('Names of the modified fields'), z.record(z.string(), z.unknown()).describe('The changes by field name')])
    .describe(`${what} (the names of the fields, or the changes by field name)`)

/**
 * A code or id that one sender writes as text and another as a JSON number (WhatsApp's error codes, `131047`;
 * Zoom's meeting ids; a tag's id): either is accepted, as a string-only field made every such delivery a 422
 * on each retry. Each member is described, so the JSON Schema is an `anyOf`, not a `type` array.
 *
 * @example
 * ```ts
 * const meetingId = numberOrText('Zoom meeting id').nullish()
 * ```
 */
export const numberOrText = (what: string) =>
  z.union([z.string().describe(what), z.number().describe(`${what}, as a number`)]).describe(`${what} (text, or a number)`)

/** A tag as its name, or as a tag object (whose id, which no seed shows, may be text or a number). */
export const tagNameOrObject = z.union([
  z.string().describe('Tag name'),
  z.looseObject({ id: numberOrText('Tag id').nullish(), name: z.string().nullish().describe('Tag name') }),
])
