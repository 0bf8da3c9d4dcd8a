/**
 * Runs a verification expected to fail and returns its `SignatureVerificationError`, failing the test
 * when it succeeds or throws anything else (a TypeError there would be a 500 in production). Test-only.
 *
 * @module
 */
import { expect } from 'vitest'
import { SignatureVerificationError } from '../../errors.js'

/**
 * The error a synchronous or asynchronous verification rejected with.
 *
 * @example
 * ```ts
 * expect((await expectRejection(() => scheme.verify(request, secrets, options))).code).toBe('invalid_signature')
 * ```
 */
export async function expectRejection(run: () => unknown): Promise<SignatureVerificationError> {
  try {
    await run()
  } catch (error) {
    expect(error).toBeInstanceOf(SignatureVerificationError)
    return error as SignatureVerificationError
  }
  throw new Error('expected a SignatureVerificationError, but verification succeeded')
}
