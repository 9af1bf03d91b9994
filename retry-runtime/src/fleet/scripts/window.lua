-- What a provider's response said of its requests window, for every process to pace by.
-- KEYS[1] provider window (hash: remaining, reset µs on the Redis clock)
-- ARGV: 1 requests remaining, 2 µs until the window resets
-- A response about the same window lowers what is left; one about a later window replaces it.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local remaining, reset = tonumber(ARGV[1]), now + tonumber(ARGV[2])
local known = tonumber(redis.call('HGET', KEYS[1], 'remaining'))
local known_reset = tonumber(redis.call('HGET', KEYS[1], 'reset'))
if known ~= nil and known_reset ~= nil and known_reset > now and reset <= known_reset + 1000000 then
  remaining = math.min(known, remaining)
  reset = math.max(known_reset, reset)
end
redis.call('HSET', KEYS[1], 'remaining', remaining, 'reset', string.format('%d', reset))
redis.call('PEXPIREAT', KEYS[1], string.format('%d', math.ceil(reset / 1000) + 1000))
return remaining
