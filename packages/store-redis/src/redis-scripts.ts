/**
 * The store's atomic operations as Lua scripts: each reads and writes one key inside Redis, so no other
 * client can act between the check and the write, and each costs one round trip (EVALSHA; EVAL once
 * after a restart or SCRIPT FLUSH dropped the cached script).
 *
 * A claim key holds `p:<owner>` while in progress (expiring with the lease) and `c` once completed
 * (expiring with the retention window). A version key holds the newest version as a decimal string.
 *
 * @module
 */
import { createHash } from 'node:crypto'

/** A Lua script and its SHA-1, the name EVALSHA calls it by. */
export interface LuaScript {
  readonly source: string
  readonly sha1: string
}

function luaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') }
}

/** KEYS[1] claim key; ARGV[1] owner, ARGV[2] lease ms. Returns {0} claimed, {1} completed, {2, ms left} in progress. */
export const CLAIM = luaScript(`
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], 'p:' .. ARGV[1], 'PX', ARGV[2])
  return {0}
end
if current == 'c' then return {1} end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then left = tonumber(ARGV[2]) end
return {2, left}
`)

/** KEYS[1] claim key; ARGV[1] owner, ARGV[2] retention ms. Returns 1 when the owner's claim became completed. */
export const COMPLETE = luaScript(`
if redis.call('GET', KEYS[1]) ~= 'p:' .. ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'c', 'PX', ARGV[2])
return 1
`)

/** KEYS[1] claim key; ARGV[1] owner. Returns 1 when the owner's claim was dropped. */
export const RELEASE = luaScript(`
if redis.call('GET', KEYS[1]) ~= 'p:' .. ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`)

/** KEYS[1] version key; ARGV[1] version, ARGV[2] retention ms. Returns 1 when a newer version is recorded (stale). */
export const RECORD_VERSION = luaScript(`
local newest = tonumber(redis.call('GET', KEYS[1]))
if newest and newest > tonumber(ARGV[1]) then return 1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 0
`)

/** The client calls the scripts need (node-redis 5's `evalSha` and `eval`). */
export interface ScriptClient {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
}

/**
 * Runs `script` by its SHA-1, loading it with EVAL when the server does not know it yet.
 *
 * @example
 * ```ts
 * const reply = await runScript(client, CLAIM, ['crm-webhooks:claim:acme:evt_1'], ['owner-token', '60000'])
 * ```
 */
export async function runScript(client: ScriptClient, script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
  try {
    return await client.evalSha(script.sha1, { keys, arguments: args })
  } catch (error) {
    // NOSCRIPT is the error code Redis puts first in the reply when its script cache lacks the SHA-1.
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return client.eval(script.source, { keys, arguments: args })
  }
}
