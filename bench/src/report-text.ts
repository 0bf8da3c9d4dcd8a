/**
 * The prose of docs/BENCHMARKS.md: what each contender does, where the time goes (from `--cpu-prof`
 * profiles of bench/src/profile.ts), and why a target can be missed. Facts about the code, kept beside
 * the renderer so one run rewrites numbers and words together.
 *
 * @module
 */

/** The kinds of target, each with the reason a miss has. */
export type TargetKind = 'verify' | 'verify + parse' | 'pipeline' | 'http' | 'stores'

/** Why a target of each kind can be missed, shown under the targets when one is. */
export const MISS_REASONS: Record<TargetKind, string> = {
  verify:
    'verify-only: at 512 B node:crypto\'s `Hmac` constructor and `digest` are two thirds of both sides; ours adds ' +
    'a header lookup, the strict hex decode of the signature and a result object, a few hundred nanoseconds, and ' +
    'on a loaded machine the median moves by more than that (compare the best-batch ratio).',
  'verify + parse':
    'verify + parse: ours does strictly more than the floor (and than @octokit/webhooks-methods, which validates ' +
    'nothing): strict UTF-8 validation and one walk of the parsed value for the nesting limit and `__proto__` ' +
    'keys, which costs 3-4% (`pnpm --filter @crm-webhooks/bench ab` with the walk switched off: +3% at 512 B, +4% at 4 KB and 64 KB); at 512 B ' +
    'the rest is the verify-only overhead and the content-coding and content-type checks (their header reads and the ' +
    'one look at the first byte: about 0.1 µs, 1-2% there, measured aside on 2026-12-07; until that day this contender ' +
    'left the content-coding check and the look out, and its ratio read about 1.7% high). @octokit/webhooks-methods adds only the fixed cost of its `await`, so ' +
    'from 4 KB up it sits at the floor, where no verifier that checks what it parsed can be ahead of it; at 512 B ' +
    'that await put it behind ours on the AMD EPYC machines of earlier runs (0.92x against 0.96x), not on the ' +
    'Intel Xeon of 2026-12-07, where the whole 512 B row shifted (ours 0.89-0.92x in four runs, @octokit/webhooks-methods ' +
    '0.88-1.00x; an A/B against the code of the day before measured the same there, so the shift is the ' +
    'machine\'s). Between runs these medians move by about 2%, so a result within 0.02 of its target can land ' +
    'on either side.',
  pipeline:
    'full pipeline: beyond verify + parse, every delivery pays a SHA-256 of the body (AutomateNexus sends no ' +
    'event id, so the body digest is the idempotency key), the zod validation of `data`, two store calls ' +
    '(the claim, which also records the ordering guard\'s version, and the completion), the handler and the response. Switched off one at a time at 4 KB, ' +
    'each of the first four costs 6-8% of the floor; the machinery left costs about 20%.',
  http:
    'HTTP: the middleware runs the full pipeline (body digest, schema, idempotency claim and completion, ' +
    'ordering guard), the inline verify only HMAC + JSON.parse: that difference is the gap. Measured aside in ' +
    'one process on the same 4 KB events (no HTTP, 32 in flight; 2026-12-07, AMD EPYC, 2 cores), the pipeline ' +
    'takes 50 µs of CPU a delivery and the inline verify + parse 29 µs. Also aside, on Fastify: its own ' +
    '`parseAs: \'buffer\'` parser handing the bytes to `receiver.handle` costs 4-17 µs of server CPU a request ' +
    'less than our plugin, whose core reads the body itself; the rest of the gap is the pipeline\'s. The server pays more for that work than the process alone did: the `inline+20us` row is the ' +
    'same inline verify plus 20 µs of busy-waiting (no allocation, no memory traffic), and across runs and ' +
    'frameworks it has cost about 1.3 to 4 times that in server CPU a request, on two cores shared with the load ' +
    'generator, pinned to one each or not (aside: a 50 µs wait cost 84 µs). Part of that is the socket write: ' +
    'profiled under the same load (`cd bench && npx tsx src/profile-http.ts fastify/inline ...`; 2026-12-07), the ' +
    'native `writev` that sends each answer, the same bytes whatever the variant, cost more the slower the server ' +
    'answered (on Fastify, per request: `bare` 19 µs, `inline` 21, `inline+20us` 30, `crm-webhooks` 38), ' +
    'presumably because the load generator more often sleeps and each answer has to wake it. On Fastify, 0.9x leaves the ' +
    'middleware about a ninth of `inline`\'s server CPU a request more (6-14 µs in the runs so far): less than ' +
    'its body digest and zod validation alone. Express spends about three times as much per request itself, so ' +
    'the same gap weighs less there, and its ratio has landed at 0.76-0.95x from run to run. On Hono the middleware reads the Node request on ' +
    '@hono/node-server while `bare` and `inline` read `c.req` through node-server\'s Fetch `Request`, which ' +
    'costs more than our whole pipeline.',
  stores:
    'Redis store: a Redis delivery makes two round trips (the claim, which also records the ordering guard\'s ' +
    'version, and the completion); on two shared cores the receiver and redis-server take turns rather than ' +
    'overlap, so the rate comes out near 1 / (1/S + 1/M), S the store\'s own rate and M the memory ' +
    'pipeline\'s (see the idempotency stores section below). Measured aside, the store\'s two script calls alone ' +
    'for 32 deliveries take about 24 µs a delivery of wall time, 10-11 µs of it the five `redis.call`s Redis runs in ' +
    'Lua per delivery (the same calls with scripts that do nothing: about 13 µs), about as much as the memory ' +
    'pipeline\'s whole 20-25 µs. Run as published (bundled), the ratio lands at 0.36-0.52x from run to run (most runs 0.39-0.48x). ' +
    'It also moves against the pipeline\'s own speed: the 2026-12-07 pipeline work (5-10% less CPU a delivery) ' +
    'raised the memory store\'s rate, not Redis\'s, and a stores-only run just after it gave 0.41x. Until ' +
    '2026-12-06 this ' +
    'benchmark ran the pipeline under tsx, whose `__name(...)` wrappers slowed every delivery alike and lifted ' +
    'the ratio to about 0.50x; docs/idempotency.md has the measurements and what was tried.',
}

/**
 * How the HTTP variants read the body, said beside the table whatever the verdicts (not only under a missed
 * target): on Hono they do not read it the same way, which favours the middleware.
 */
export const HTTP_BODY_READING =
  'Express\'s `bare` and `inline` use `express.raw()`, Fastify\'s a `parseAs: \'buffer\'` content-type parser, ' +
  'and the middleware reads the Node request itself. On Hono, `bare` and `inline` read `c.req.arrayBuffer()`, ' +
  'as a handler written for Hono does, through @hono/node-server\'s Fetch `Request`, while the middleware ' +
  'reads the Node request behind it (`c.env.incoming`): a difference in body reading, not verification, that ' +
  'favours the middleware and is why it can come out faster than `inline` there.'

/** What each contender does. */
export const CONTENDERS = `### What each contender does

- **floor**: \`createHmac('sha256', secret).update(body).digest()\`, \`Buffer.from(header, 'hex')\`,
  \`timingSafeEqual\`, \`JSON.parse(body.toString())\`. Nothing can verify and parse with less.
- **ours: verify**: the AutomateNexus scheme's \`verify\` over a header reader, as the pipeline calls it.
- **ours: verify + parse**: the pipeline's own steps up to the parsed body, in its order: content coding,
  content type (and whether form-labelled bytes are JSON), verify, strict UTF-8 decode, \`JSON.parse\`, the
  nesting and \`__proto__\` checks.
- **ours: full pipeline**: \`createReceiver({ provider: automatenexus }).handle(...)\` with a handler, each
  delivery distinct: all of the above plus the envelope, the event's zod schema, the idempotency key (a
  SHA-256 of the body), a claim in the memory store, the ordering guard, the handler, completion and the
  JSON response.
- **peers**: \`@octokit/webhooks-methods\` \`verify\` (async, string input) then \`JSON.parse\`; Stripe's
  \`webhooks.constructEvent\`; \`standardwebhooks\` and \`svix\` \`Webhook.verify\` (pure-JS SHA-256; svix 1.x
  wraps standardwebhooks and runs on Node 20). Each is fed input signed in its own format and is checked,
  before timing, to accept it and to reject a tampered body; so is every contender of ours.
- Payloads: AutomateNexus events composed by the provider from its fixtures and grown to exactly 512 B
  (\`contact.updated\`), 4 KB and 64 KB (\`deal.stage_changed\` with contacts, line items and an activity
  timeline), all ASCII JSON. Where deliveries must be distinct (full pipeline, HTTP) each has its own
  revision and is about one of 1 000 records, as a CRM's update stream is.`

/** Where the time goes, and what was changed because of it. */
export const WHERE_THE_TIME_GOES = `## Where the time goes

From \`--cpu-prof\` profiles of one contender in a loop (\`bench/src/profile.ts\`; recipe below):

- **Verify.** node:crypto's \`Hmac\` constructor, \`update\` and \`digest\` are nearly all of it, for the floor
  and for us alike. The signature header is decoded to bytes once and compared with the digest bytes (no
  hex string round trip); node:crypto is used wherever it exists, Web Crypto only where it does not (its
  awaited \`sign\` costs a thread-pool hand-off per call). Removed: an integer modulo per byte in the
  constant-time compare, closures and arrays per call in \`matchDigest\`, a \`toLowerCase\` copy of the
  header name per request, and the slice of the header after its \`sha256=\` prefix (V8 reads a sliced
  string's characters through an indirection: the hex decode ran ~1.6 times as long).
- **Parse.** \`JSON.parse\` dominates from 4 KB up. The body is decoded once (ASCII bodies as Latin-1 on Node,
  the same string as strict UTF-8 in half the time) and parsed once. The nesting limit used to loop over
  every character before parsing (about the cost of \`JSON.parse\` itself) and \`text.includes('__proto__')\`
  is many times slower in V8 than a shorter needle; both are now one depth-limited walk of the parsed value.
- **Pipeline.** No \`await\` on a value that is already there (node:crypto's verify, zod's validate, the
  key), handlers dispatched without promises while they return none, no deadline timer for a handler that
  finished synchronously, the body digest as hex in one native call (\`crypto.hash\`), claim owner tokens
  from a counter rather than a UUID each, accepted responses written without \`JSON.stringify\`, no
  object spread followed by more members (\`{ ...result, signedId }\` took 1.6 µs on Node 20's V8), the
  ordering guard's record and version read without a \`split\` array or a regex's captures, a held claim as
  an instance of a class rather than two closures, and the claim in one async function rather than two
  (those three together: +5% at 4 KB, +10% at 512 B, in an A/B run).
- **What stays** is what a receiver of this provider needs: switched off one at a time at 4 KB (measured
  aside), the body digest, the zod schema, the store calls and the ordering guard each cost 6-8% of the
  floor; the machinery left (header reader, context and event objects, async frames) about 20%.

To look again: \`cd bench && npx tsx src/run.ts --only verify\` bundles \`.out/profile.js\`, then
\`node --cpu-prof --cpu-prof-dir=/tmp/prof .out/profile.js pipeline 4096\` and
\`npx tsx src/profile-summary.ts /tmp/prof/*.cpuprofile\`. A server under the HTTP load:
\`npx tsx src/profile-http.ts fastify/inline fastify/crm-webhooks\` (any \`<framework>/<variant>\`). To measure a change against a revision in one
process: \`pnpm --filter @crm-webhooks/bench ab -- --rev HEAD --only parse,pipeline\`.`
