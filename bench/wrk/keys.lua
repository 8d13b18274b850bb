-- Key selection for the GroupCache.NET load runner (wrk 4.x, LuaJIT).
--
--   wrk ... URL -- uniform FILE          a key from FILE (one per line), uniformly at random
--   wrk ... URL -- zipf FILE [S]         a key from FILE, Zipf-skewed (exponent S, default 0.99):
--                                        the first lines are the hottest
--   wrk ... URL -- fresh PREFIX START COUNT [WIDTH]
--                                        keys PREFIX..zero-padded(START .. START+COUNT-1), each
--                                        requested once; a thread stops when its share is answered
--
-- Requests go to URL's path prefix followed by the key (URL is e.g. http://127.0.0.1:8080/api/data/).
-- done() prints one line "WRKJSON {...}" that the runner parses: counts, errors (status = non-2xx/3xx)
-- and latency percentiles in microseconds. In fresh mode each thread prints "WRKTHREADDONE" when
-- its share is answered.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local mode, prefix, requests, nreq, sample, nsample, pos
local fstart, fcount, fwidth, fnext, fstep, answered, quota, fallback
sent = 0 -- global, so done() can read it per thread with thread:get

local function read_keys(file)
  local keys = {}
  for line in io.lines(file) do
    if #line > 0 then keys[#keys + 1] = line end
  end
  assert(#keys > 0, "no keys in " .. file)
  return keys
end

local function path_prefix()
  local p = wrk.path
  if p:sub(-1) ~= "/" then p = p .. "/" end
  return p
end

function init(args)
  mode = args[1]
  local tid = tonumber(tid) or 0
  math.randomseed(7919 * (tid + 1) + os.time())
  prefix = path_prefix()

  if mode == "uniform" or mode == "zipf" then
    -- Only fresh mode needs to see answers. Without a response() function wrk skips collecting
    -- every answer's headers and calling into Lua for it, which cost it ~1 µs of CPU per request
    -- on the two cores it shares with the server under test. (wrk asks after init() ran.)
    response = nil
    local keys = read_keys(args[2])
    requests = {}
    for i, k in ipairs(keys) do requests[i] = wrk.format("GET", prefix .. k) end
    nreq = #requests
    if mode == "zipf" then
      -- Pre-sample indices from the Zipf CDF so request() costs one table read.
      local s = tonumber(args[3]) or 0.99
      local cdf, total = {}, 0
      for i = 1, nreq do total = total + 1 / (i ^ s); cdf[i] = total end
      nsample = 65536
      sample = {}
      for j = 1, nsample do
        local u = math.random() * total
        local lo, hi = 1, nreq
        while lo < hi do
          local mid = math.floor((lo + hi) / 2)
          if cdf[mid] < u then lo = mid + 1 else hi = mid end
        end
        sample[j] = lo
      end
      pos = 0
    end
  elseif mode == "fresh" then
    fstart = tonumber(args[3]); fcount = tonumber(args[4]); fwidth = tonumber(args[5]) or 7
    prefix = prefix .. args[2]
    fstep = tonumber(args[6]) or 1
    -- This thread's share: START+tid, START+tid+T, ... (T = thread count, passed as arg 6).
    fnext = fstart + tid
    quota = math.floor((fcount - tid + fstep - 1) / fstep)
    sent, answered = 0, 0
    fallback = wrk.format("GET", prefix .. string.format("%0" .. fwidth .. "d", fstart + tid))
  else
    error("mode must be uniform, zipf or fresh, got " .. tostring(mode))
  end
end

function request()
  if mode == "uniform" then
    return requests[math.random(nreq)]
  elseif mode == "zipf" then
    pos = pos + 1
    if pos > nsample then pos = 1 end
    return requests[sample[pos]]
  else
    if sent >= quota then
      -- Share used up: repeat an already loaded key until the thread stops (a handful at most).
      return fallback
    end
    local k = fnext
    fnext = fnext + fstep
    sent = sent + 1
    return wrk.format("GET", prefix .. string.format("%0" .. fwidth .. "d", k))
  end
end

function response(status, headers, body)
  if mode == "fresh" then
    answered = answered + 1
    if answered == quota then
      -- wrk itself waits out -d even when every thread has stopped; the runner counts these lines
      -- and interrupts wrk (SIGINT), which makes it report at once with the true elapsed time.
      io.write("WRKTHREADDONE\n")
      io.flush()
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local fresh_sent = 0
  for _, t in ipairs(threads) do fresh_sent = fresh_sent + (tonumber(t:get("sent")) or 0) end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"fresh_sent":%d,"latency_us":{"min":%d,"mean":%.1f,' ..
    '"stdev":%.1f,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    fresh_sent, latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
