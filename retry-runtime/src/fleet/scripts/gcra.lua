-- A fleet's rate limiter: GCRA as redis-cell computes it, held back by the provider's own
-- window when a response said how much of it is left. Cells are taken a few at a time and
-- held by the process that took them; cells it did not spend are given back.
-- KEYS[1] theoretical arrival time (µs on the Redis clock), KEYS[2] provider window (hash:
-- remaining, reset µs)
-- ARGV: 1 emission interval µs, 2 burst, 3 cells wanted (0 to only read the window),
-- 4 cells given back
-- Returns {cells granted, µs to wait when none was, 1 if the window is used up else 0}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local wanted, given = tonumber(ARGV[3]), tonumber(ARGV[4])
local remaining = tonumber(redis.call('HGET', KEYS[2], 'remaining'))
local reset = tonumber(redis.call('HGET', KEYS[2], 'reset'))
local windowed = remaining ~= nil and reset ~= nil and reset > now
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
if given > 0 then
  -- Unspent cells: as if never taken, but no earlier than now. The provider's window is not
  -- given them back: it may be a later window than the one they were taken from.
  tat = math.max(now, tat - given * interval)
end
local used_up = (windowed and remaining <= 0) and 1 or 0
local granted, wait = 0, 0
if wanted > 0 then
  if used_up == 1 then
    wait = reset - now
  else
    local tolerance = interval * (burst - 1)
    if tat - now > tolerance then
      wait = tat - tolerance - now
    else
      granted = math.min(wanted, math.floor((tolerance - (tat - now)) / interval) + 1)
      if windowed then granted = math.min(granted, remaining) end
      tat = tat + granted * interval
      if windowed then redis.call('HINCRBY', KEYS[2], 'remaining', -granted) end
    end
  end
end
if granted > 0 or given > 0 then
  redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
end
return {granted, wait, used_up}
