-- A fleet's rate limiter: GCRA as redis-cell computes it, held back by the provider's own
-- window when a response said how much of it is left.
-- KEYS[1] theoretical arrival time (µs on the Redis clock), KEYS[2] provider window (hash:
-- remaining, reset µs)
-- ARGV: 1 emission interval µs, 2 burst
-- Returns {1 admitted or 0, µs to wait when refused}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local remaining = tonumber(redis.call('HGET', KEYS[2], 'remaining'))
local reset = tonumber(redis.call('HGET', KEYS[2], 'reset'))
local windowed = remaining ~= nil and reset ~= nil and reset > now
if windowed and remaining <= 0 then return {0, reset - now} end
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local tolerance = interval * (burst - 1)
if tat - now > tolerance then return {0, tat - tolerance - now} end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
if windowed then redis.call('HINCRBY', KEYS[2], 'remaining', -1) end
return {1, 0}
