-- A fleet's circuit breaker: the open-until time (only ever raised) and the half-open probes.
-- KEYS[1] open-until (ms on the Redis clock), KEYS[2] probes out (a count with a TTL)
-- ARGV: 1 open for ms from now (0: nothing to publish), 2 probe report (0 none, 1 success,
-- 2 failure), 3 cooldown ms, 4 wants a probe (0/1), 5 most probes, 6 probe TTL ms,
-- 7 how long the key outlives its time (ms), 8 probes given back
-- Returns {open-until ms or 0, probe granted 0/1, now ms}.
-- Times go out through string.format('%d'): Lua would write a large number as 1.7e+12.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local publish, report = tonumber(ARGV[1]), tonumber(ARGV[2])
local cooldown, want = tonumber(ARGV[3]), tonumber(ARGV[4])
local most, probe_ttl = tonumber(ARGV[5]), tonumber(ARGV[6])
local linger, release = tonumber(ARGV[7]), tonumber(ARGV[8])
-- A value that is not a number (garbage) reads as absent: the fleet's circuit is closed.
local open_until = tonumber(redis.call('GET', KEYS[1])) or 0
local probes = tonumber(redis.call('GET', KEYS[2])) or 0
local function raise(to)
  if to > open_until then
    open_until = to
    redis.call('SET', KEYS[1], string.format('%d', to), 'PXAT', string.format('%d', to + linger))
  end
end
if publish > 0 then raise(now + publish) end
if report == 1 then
  redis.call('DEL', KEYS[1], KEYS[2])
  open_until, probes = 0, 0
elseif report == 2 then
  raise(now + cooldown)
  redis.call('DEL', KEYS[2])
  probes = 0
end
if release > 0 and probes > 0 then
  probes = math.max(0, probes - release)
  if probes == 0 then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], probes, 'KEEPTTL') end
end
local granted = 0
if open_until > 0 and open_until <= now and want == 1 and probes < most then
  probes = probes + 1
  granted = 1
  -- Renewed on each grant: a prober that dies holds its permit at most this long.
  redis.call('SET', KEYS[2], probes, 'PX', probe_ttl)
end
return {open_until, granted, now}
