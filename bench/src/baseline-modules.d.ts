// The baseline revision's core, bundled under these names by ab.ts; typed as the working tree's.
declare module 'crm-webhooks-baseline/core' {
  export * from '@crm-webhooks/core'
}
declare module 'crm-webhooks-baseline/providers' {
  export * from '@crm-webhooks/core/providers'
}
declare module 'crm-webhooks-baseline/parse-body' {
  export const bodyTypeOf: typeof import('../../packages/core/src/pipeline/parse-body.js').bodyTypeOf
  export const parseJsonBody: typeof import('../../packages/core/src/pipeline/parse-body.js').parseJsonBody
  export const bodyTypeOfBytes: typeof import('../../packages/core/src/pipeline/parse-body.js').bodyTypeOfBytes
  export const requireIdentityEncoding: typeof import('../../packages/core/src/pipeline/parse-body.js').requireIdentityEncoding
}
