/**
 * The store's atomic operations as Lua scripts: each reads and writes its keys inside Redis, so no other
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

/**
 * KEYS[1] claim key; ARGV[1] owner, ARGV[2] lease ms. With the ordering guard also KEYS[2] version key;
 * ARGV[3] version, ARGV[4] retention ms: the version is recorded only when the claim is taken (as
 * RECORD_VERSION would), so a delivery costs one round trip for both. Returns {0} claimed, {0, 0} claimed
 * and the newest version, {0, 1} claimed but stale, {1} completed, {2, ms left} in progress.
 */
export const CLAIM = luaScript(`
if redis.call('SET', KEYS[1], 'p:' .. ARGV[1], 'NX', 'PX', ARGV[2]) then
  if not KEYS[2] then return {0} end
  local newest = tonumber(redis.call('GET', KEYS[2]))
  if newest and newest > tonumber(ARGV[3]) then return {0, 1} end
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
  return {0, 0}
end
if redis.call('GET', KEYS[1]) == 'c' then return {1} end
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

/** The one client call the scripts need: node-redis 5's `sendCommand`, which skips the typed command layer. */
export interface ScriptClient {
  sendCommand(args: string[]): Promise<unknown>
}

/**
 * Runs `script` by its SHA-1, loading it with EVAL when the server does not know it yet.
 *
 * @example
 * ```ts
 * const reply = await runScript(client, CLAIM, ['crm-webhooks:claim:acme:evt_1'], ['owner-token', '60000'])
 * ```
 */
export function runScript(client: ScriptClient, script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
  const command = ['EVALSHA', script.sha1, String(keys.length), ...keys, ...args]
  return client.sendCommand(command).catch((error: unknown) => {
    // NOSCRIPT is the error code Redis puts first in the reply when its script cache lacks the SHA-1.
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    command[0] = 'EVAL'
    command[1] = script.source
    return client.sendCommand(command)
  })
}
