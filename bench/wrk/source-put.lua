-- PUT load for the source service: each request writes a new key (thread id and a counter),
-- with a 100-byte value.  wrk -s bench/wrk/source-put.lua http://127.0.0.1:PORT/api/data/
local counter = 0
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  prefix = wrk.path
  if prefix:sub(-1) ~= "/" then prefix = prefix .. "/" end
  body = '{"value":"' .. string.rep("v", 100) .. '"}'
end

function request()
  counter = counter + 1
  return wrk.format("PUT", prefix .. "put-" .. tid .. "-" .. counter, { ["Content-Type"] = "application/json" }, body)
end
