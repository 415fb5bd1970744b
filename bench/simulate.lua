-- wrk script for POST /simulate (closed loop). Usage:
--   wrk -t2 -c64 -d10s --timeout 10s -s bench/simulate.lua 'http://127.0.0.1:18080/simulate?ack=durable' \
--       -- PREFIX NKEYS OUTFILE
-- A connection sends its next request as soon as it has an answer, refused or not, like clients that retry at once;
-- bench/simulate-honour.lua is the same load from clients that wait as long as Retry-After says.
-- "retry_after" counts non-2xx answers that carried Retry-After.
-- Each request carries {"key":"PREFIX-i"}, i cycling over NKEYS keys. Statuses are counted per thread; requests are
-- counted per key when sent, 2xx answers per key (read from the answer's "key" field). done() writes a summary (one
-- "name value" per line, then "key K ACKED SENT" lines) to OUTFILE for bench/run.sh. Anything but 2xx is an error.
-- wrk stops at -d without waiting for the requests still in flight: they were sent (and usually processed) but never
-- answered. "unanswered" counts them, so that the integrity check can tell them from lost or doubled events.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1] or "bench"
  nkeys = tonumber(args[2] or "100")
  outfile = args[3] or "/dev/stdout"
  s2xx, s200, s202, non2xx, nokey, retry_after = 0, 0, 0, 0, 0, 0
  honour = HONOUR_RETRY_AFTER or false
  waits, wait_first, wait_last = {}, 1, 0
  statuses = {}
  acked = {}
  sent = {}
  reqs = {}
  local headers = { ["Content-Type"] = "application/json" }
  for i = 0, nkeys - 1 do
    reqs[i] = wrk.format("POST", nil, headers, '{"key":"' .. prefix .. '-' .. i .. '"}')
    sent[i] = 0
  end
  -- threads start on different keys so that both spread over all of them
  nxt = (tid * 7919) % nkeys
end

function request()
  local r = reqs[nxt]
  sent[nxt] = sent[nxt] + 1
  nxt = (nxt + 1) % nkeys
  return r
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    s2xx = s2xx + 1
    if status == 200 then s200 = s200 + 1 elseif status == 202 then s202 = s202 + 1 end
    local k = body and string.match(body, '"key"%s*:%s*"([^"]*)"')
    if k then acked[k] = (acked[k] or 0) + 1 else nokey = nokey + 1 end
  else
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
    local after = headers["Retry-After"] or headers["retry-after"]
    if after then
      retry_after = retry_after + 1
      if honour then
        wait_last = wait_last + 1
        waits[wait_last] = (tonumber(after) or 1) * 1000
      end
    end
  end
end

function done(summary, latency, requests)
  local t = { s2xx = 0, s200 = 0, s202 = 0, non2xx = 0, nokey = 0, retry_after = 0 }
  local keys, codes, sends = {}, {}, {}
  local nsent = 0
  local out_path, pfx, n
  for _, thread in ipairs(threads) do
    for name, _ in pairs(t) do t[name] = t[name] + (thread:get(name) or 0) end
    for k, v in pairs(thread:get("acked") or {}) do keys[k] = (keys[k] or 0) + v end
    for c, v in pairs(thread:get("statuses") or {}) do codes[c] = (codes[c] or 0) + v end
    for i, v in pairs(thread:get("sent") or {}) do sends[i] = (sends[i] or 0) + v; nsent = nsent + v end
    out_path = out_path or thread:get("outfile")
    pfx = pfx or thread:get("prefix")
    n = n or thread:get("nkeys")
  end
  local f = assert(io.open(out_path, "w"))
  local e = summary.errors
  f:write(string.format("requests %d\nduration_us %d\n", summary.requests, summary.duration))
  for _, name in ipairs({ "s2xx", "s200", "s202", "non2xx", "nokey", "retry_after" }) do
    f:write(string.format("%s %d\n", name, t[name]))
  end
  f:write(string.format("sent %d\nunanswered %d\n", nsent, nsent - t.s2xx - t.non2xx))
  f:write(string.format("err_connect %d\nerr_read %d\nerr_write %d\nerr_timeout %d\n",
    e.connect, e.read, e.write, e.timeout))
  f:write(string.format("mean_us %.0f\np50_us %d\np90_us %d\np99_us %d\np999_us %d\nmax_us %d\n",
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
  for c, v in pairs(codes) do f:write(string.format("status_%d %d\n", c, v)) end
  -- every key of the run, including those never acknowledged, so that the check also catches phantom counts
  for i = 0, n - 1 do
    local k = pfx .. "-" .. i
    f:write(string.format("key %s %d %d\n", k, keys[k] or 0, sends[i] or 0))
  end
  f:close()
end
