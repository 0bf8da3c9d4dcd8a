/**
 * The store's atomic operations as Lua scripts: each reads and writes its keys inside Redis, so no other
 * client can act between the check and the write, and each costs one round trip (EVALSHA; EVAL once
 * after a restart or SCRIPT FLUSH dropped the cached script).
 *
 * A claim key holds `p:<owner>` while in progress (expiring with the lease) and `c` once completed
 * (expiring with the retention window). A version key holds the newest version as a decimal string.
 *
 * Redis does not undo a script that fails: an error raised midway keeps every write made before it. A key
 * of another type (a hash or list where a claim or version key belongs) makes `GET` raise WRONGTYPE, which
 * failed a whole batch after the claims before it were taken (a 503 for each delivery, then a 409 for its
 * retries until the lease ended). So the batch scripts read through `redis.pcall`, which costs nothing more
 * than `redis.call` unless it fails, and answer such a key's call alone with the error's text; `SET` and
 * `PTTL` take a key of any type, and the single-key scripts fail before they write.
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
 * Claims a batch of keys, each as if alone (a key named twice is claimed by the first and found in
 * progress by the second). Per claim, in order: KEYS its claim key, then its version key when it carries
 * the ordering guard's version; ARGV owner, lease ms, version ('' without one), retention ms ('' without).
 * A version is recorded only when its claim is taken, in the same step, so a delivery costs one round trip
 * for both. One integer per claim: 0 claimed, 1 claimed and the newest version, 2 claimed but stale,
 * 3 completed, a negative number in progress (minus the ms left of its lease); or, for a claim whose key
 * holds another type, the error's text and the key, that claim taking nothing (its key given back).
 */
export const CLAIM_BATCH = luaScript(`
local replies = {}
local k = 1
for i = 1, #ARGV, 4 do
  local claimKey = KEYS[k]
  local versionKey = nil
  k = k + 1
  if ARGV[i + 2] ~= '' then
    versionKey = KEYS[k]
    k = k + 1
  end
  local reply
  if redis.call('SET', claimKey, 'p:' .. ARGV[i], 'NX', 'PX', ARGV[i + 1]) then
    if not versionKey then
      reply = 0
    else
      -- Read before writing, as RECORD_VERSION does: a stale claim leaves the newer version, and the time
      -- it is kept for, as they were (every store keeps a version retentionMs from when it was written).
      local held = redis.pcall('GET', versionKey)
      if type(held) == 'table' and held.err then
        -- Taken a moment ago by this SET NX, so nobody else's: given back, or a retry would meet it as in progress.
        redis.call('DEL', claimKey)
        reply = held.err .. ' (' .. versionKey .. ')'
      else
        local newest = tonumber(held)
        if newest and newest > tonumber(ARGV[i + 2]) then
          reply = 2
        else
          redis.call('SET', versionKey, ARGV[i + 2], 'PX', ARGV[i + 3])
          reply = 1
        end
      end
    end
  else
    local held = redis.pcall('GET', claimKey)
    if type(held) == 'table' and held.err then
      reply = held.err .. ' (' .. claimKey .. ')'
    elseif held == 'c' then
      reply = 3
    else
      local left = redis.call('PTTL', claimKey)
      if left < 1 then left = tonumber(ARGV[i + 1]) end
      reply = -left
    end
  end
  replies[#replies + 1] = reply
end
return replies
`)

/**
 * Completes a batch of claims: KEYS the claim keys; ARGV per key its owner and retention ms. One integer
 * per key: 1 when the key became completed (the owner's claim, or a free key: the owner's lease lapsed and
 * nobody claimed it since), 0 when another owner's claim holds it or it is completed already; for a key
 * holding another type, the error's text and the key.
 */
export const COMPLETE_BATCH = luaScript(`
local replies = {}
for i = 1, #KEYS do
  local reply = 0
  local held = redis.pcall('GET', KEYS[i])
  if type(held) == 'table' and held.err then
    reply = held.err .. ' (' .. KEYS[i] .. ')'
  elseif held == false or held == 'p:' .. ARGV[2 * i - 1] then
    redis.call('SET', KEYS[i], 'c', 'PX', ARGV[2 * i])
    reply = 1
  end
  replies[i] = reply
end
return replies
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

/** The one client call the scripts need: node-redis's `sendCommand` (5 and 6), which skips the typed command layer. */
export interface ScriptClient {
  sendCommand(args: string[]): Promise<unknown>
}

/**
 * Runs `script` by its SHA-1, loading it with EVAL when the server does not know it yet.
 *
 * @example
 * ```ts
 * const reply = await runScript(client, RELEASE, ['crm-webhooks:claim:acme:evt_1'], ['owner-token'])
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
