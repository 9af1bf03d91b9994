-- A fleet's retry budget: the shared bucket, and each process's lease of it.
-- KEYS[1] bucket (hash: tokens, debt), KEYS[2] leases (hash: pid -> tokens held, pid:seq,
-- pid:adjust, pid:tokens), KEYS[3] lease expiry (zset: pid -> ms)
-- ARGV: 1 pid, 2 capacity, 3 initial tokens, 4 initial debt, 5 tokens held now,
-- 6 tokens the process believes its lease records, 7 deposits, 8 debit (paid while the store
-- was away), 9 tokens wanted, 10 most tokens to hold, 11 lease TTL ms, 12 key TTL ms, 13 seq
-- (0: a read, never repeated), 14 the cheapest retry's cost (a lease is lent in whole retries)
-- Returns {adjustment to the held tokens, tokens the lease now records, tokens in the bucket}.
local pid = ARGV[1]
local seq = tonumber(ARGV[13])
-- The same request again (its reply was lost): the same reply, applied once.
if seq > 0 and tonumber(redis.call('HGET', KEYS[2], pid .. ':seq')) == seq then
  return {tonumber(redis.call('HGET', KEYS[2], pid .. ':adjust')) or 0,
          tonumber(redis.call('HGET', KEYS[2], pid)) or 0,
          tonumber(redis.call('HGET', KEYS[2], pid .. ':tokens')) or 0}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[2])
local held, expected = tonumber(ARGV[5]), tonumber(ARGV[6])
local deposit, debit = tonumber(ARGV[7]), tonumber(ARGV[8])
local want, most = tonumber(ARGV[9]), tonumber(ARGV[10])
local lease_ttl, key_ttl = tonumber(ARGV[11]), tonumber(ARGV[12])
local unit = math.max(1, tonumber(ARGV[14]) or 1)
-- Absent (expired) or garbage: a fresh bucket of the budget's form.
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
local debt = tonumber(redis.call('HGET', KEYS[1], 'debt'))
if tokens == nil or debt == nil then
  tokens, debt = tonumber(ARGV[3]), tonumber(ARGV[4])
end
-- The leases of processes that stopped renewing them come back to the bucket.
for _, other in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  if other ~= pid then
    local out = tonumber(redis.call('HGET', KEYS[2], other)) or 0
    if out > 0 then tokens = math.min(cap, tokens + out) end
    redis.call('HDEL', KEYS[2], other, other .. ':seq', other .. ':adjust', other .. ':tokens')
    redis.call('ZREM', KEYS[3], other)
  end
end
-- This process's lease came back without it (it expired, or the store lost it): what the
-- process still holds or spent since is taken from the bucket again.
if redis.call('HEXISTS', KEYS[2], pid) == 0 and expected > 0 then
  tokens = tokens - expected
end
-- Deposits repay the reserve first (the percent form), then fill the bucket.
local repaid = math.min(deposit, debt)
debt = debt - repaid
tokens = math.min(cap, tokens + deposit - repaid) - debit
local adjust = 0
-- A lease too small to pay one retry goes back, so that its tokens can be lent whole.
if held > 0 and held < unit then
  tokens = math.min(cap, tokens + held)
  adjust = -held
  held = 0
end
if held > most then
  adjust = most - held
  tokens = math.min(cap, tokens + held - most)
  held = most
end
if held < want and tokens >= unit then
  local grant = math.min(want - held, tokens)
  grant = grant - grant % unit
  tokens = tokens - grant
  adjust = adjust + grant
  held = held + grant
end
if seq == 0 then
  -- A read: nothing recorded.
elseif want == 0 and held == 0 then
  redis.call('HDEL', KEYS[2], pid)
  redis.call('ZREM', KEYS[3], pid)
else
  redis.call('HSET', KEYS[2], pid, held)
  redis.call('ZADD', KEYS[3], string.format('%d', now + lease_ttl), pid)
end
if seq > 0 then
  redis.call('HSET', KEYS[2], pid .. ':seq', seq, pid .. ':adjust', adjust, pid .. ':tokens', tokens)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'debt', debt)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], key_ttl) end
return {adjust, held, tokens}
