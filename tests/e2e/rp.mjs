// A relying party built on panva's openid-client (v6), driven by tests/e2e/test_openid_client.py.
//
//   node rp.mjs authorize < {"issuer", "client_id", "client_secret", "redirect_uri", "scope"}
//     → {"ok", "authorization_url", "state", "nonce", "code_verifier"}
//   node rp.mjs complete  < the same, plus "callback_url", "state", "nonce", "code_verifier"
//     → {"ok", "steps": {name: {"ok", ...result or error}}}
//
// Input is one JSON object on stdin, output one JSON object on stdout. Every step runs through
// openid-client so that its checks (discovery issuer, RFC 9207 `iss`, state, PKCE, ID token
// signature via the JWKS, iss/aud/azp/exp/iat/nonce/at_hash, userinfo `sub`) are the ones a
// real relying party applies; a failed step reports openid-client's error instead of throwing.

import * as client from 'openid-client'

async function readInput() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

function describeError(err) {
  const out = { name: err?.name, message: err?.message }
  for (const key of ['code', 'error', 'error_description', 'status']) {
    if (err?.[key] !== undefined) out[key] = err[key]
  }
  const cause = err?.cause
  if (cause !== undefined) {
    if (cause instanceof Response) {
      out.cause = { status: cause.status }
    } else if (cause instanceof Error) {
      out.cause = { name: cause.name, message: cause.message, code: cause.code }
    } else {
      try {
        out.cause = JSON.parse(JSON.stringify(cause))
      } catch {
        out.cause = String(cause)
      }
    }
  }
  return out
}

// Runs one step; records {ok: true, ...value} or {ok: false, ...error}. Returns the raw value
// (undefined on failure) so later steps can depend on it.
async function step(steps, name, fn, summarize = (v) => v ?? {}) {
  try {
    const value = await fn()
    steps[name] = { ok: true, ...summarize(value) }
    return value
  } catch (err) {
    steps[name] = { ok: false, ...describeError(err) }
    return undefined
  }
}

function skipped(steps, name, reason) {
  steps[name] = { ok: false, skipped: true, message: reason }
}

async function configure(input) {
  return client.discovery(
    new URL(input.issuer),
    input.client_id,
    { redirect_uris: [input.redirect_uri], response_types: ['code'] },
    client.ClientSecretBasic(input.client_secret),
    { execute: [client.allowInsecureRequests], timeout: 10 },
  )
}

async function authorize(input) {
  const config = await configure(input)
  const codeVerifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: input.redirect_uri,
    scope: input.scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  })
  return {
    ok: true,
    server_metadata: config.serverMetadata(),
    authorization_url: url.href,
    state,
    nonce,
    code_verifier: codeVerifier,
  }
}

const tokenSummary = (tokens) => ({
  token_type: tokens.token_type,
  expires_in: tokens.expiresIn(),
  scope: tokens.scope,
  has_access_token: Boolean(tokens.access_token),
  has_refresh_token: Boolean(tokens.refresh_token),
  has_id_token: Boolean(tokens.id_token),
  claims: tokens.claims() ?? null,
})

async function complete(input) {
  const steps = {}
  const config = await step(steps, 'discovery', () => configure(input), () => ({}))
  if (!config) return { ok: false, steps }

  const tokens = await step(
    steps,
    'authorization_code_grant',
    () =>
      client.authorizationCodeGrant(config, new URL(input.callback_url), {
        pkceCodeVerifier: input.code_verifier,
        expectedState: input.state,
        expectedNonce: input.nonce,
        idTokenExpected: true,
      }),
    tokenSummary,
  )
  if (!tokens) return { ok: false, steps }
  const claims = tokens.claims()

  await step(steps, 'userinfo', () => client.fetchUserInfo(config, tokens.access_token, claims.sub), (info) => ({ userinfo: info }))

  await step(steps, 'introspection_initial', () => client.tokenIntrospection(config, tokens.access_token), (r) => ({ response: r }))

  const refreshed = await step(
    steps,
    'refresh',
    () => client.refreshTokenGrant(config, tokens.refresh_token),
    (r) => ({
      ...tokenSummary(r),
      refresh_token_rotated: Boolean(r.refresh_token) && r.refresh_token !== tokens.refresh_token,
      access_token_changed: r.access_token !== tokens.access_token,
    }),
  )

  if (refreshed) {
    await step(steps, 'userinfo_after_refresh', () => client.fetchUserInfo(config, refreshed.access_token, claims.sub), (info) => ({ userinfo: info }))
    await step(steps, 'introspection_before_revocation', () => client.tokenIntrospection(config, refreshed.access_token), (r) => ({ response: r }))
    await step(
      steps,
      'revocation',
      () => client.tokenRevocation(config, refreshed.access_token, { token_type_hint: 'access_token' }),
      () => ({}),
    )
    await step(steps, 'introspection_after_revocation', () => client.tokenIntrospection(config, refreshed.access_token), (r) => ({ response: r }))
    await step(steps, 'userinfo_after_revocation', () => client.fetchUserInfo(config, refreshed.access_token, claims.sub), (info) => ({ userinfo: info }))
  } else {
    for (const name of ['userinfo_after_refresh', 'introspection_before_revocation', 'revocation', 'introspection_after_revocation', 'userinfo_after_revocation']) {
      skipped(steps, name, 'refresh failed')
    }
  }

  // Rotation: the refresh token just used is spent; presenting it again is a replay.
  await step(steps, 'reuse_old_refresh_token', () => client.refreshTokenGrant(config, tokens.refresh_token), tokenSummary)
  // Replay detection revokes the whole family, including the token the refresh issued.
  if (refreshed?.refresh_token) {
    await step(steps, 'refresh_after_replay', () => client.refreshTokenGrant(config, refreshed.refresh_token), tokenSummary)
  } else {
    skipped(steps, 'refresh_after_replay', 'no rotated refresh token')
  }

  return { ok: true, steps }
}

const commands = { authorize, complete }

try {
  const command = commands[process.argv[2]]
  if (!command) throw new Error(`usage: node rp.mjs ${Object.keys(commands).join('|')} < input.json`)
  const result = await command(await readInput())
  process.stdout.write(JSON.stringify(result) + '\n')
} catch (err) {
  process.stdout.write(JSON.stringify({ ok: false, fatal: describeError(err) }) + '\n')
  process.exitCode = 1
}
