-- wrk script for bench/scale.sh: cycles through a list of requests, so one target reads as many people and
-- records rather than one URL over and over.
--
--   wrk -t2 -c16 -d10s -s bench/lib/rotate.lua http://127.0.0.1:PORT -- REQUESTS_FILE
--
-- REQUESTS_FILE has one GET a line: the path, then its headers, separated by tabs, e.g.
--   /api/v1/home<TAB>Authorization: Bearer abc
--   /monitoring<TAB>Cookie: casework_session=def
-- Each thread starts at a different place in the list. At the end it prints one line that bench/scale.sh
-- parses: SCALE_RESULT key=value ... (latencies in microseconds; status = responses with a status >= 400,
-- as wrk counts them; 3xx answers are caught by the script's fetch of every distinct URL beforehand).

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local requests = {}

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open the requests file " .. tostring(args[1]))
  for line in file:lines() do
    if line ~= "" then
      local fields = {}
      for field in string.gmatch(line, "[^\t]+") do
        table.insert(fields, field)
      end
      local headers = {}
      for i = 2, #fields do
        local name, value = string.match(fields[i], "^([^:]+):%s*(.*)$")
        if name then headers[name] = value end
      end
      table.insert(requests, wrk.format("GET", fields[1], headers))
    end
  end
  file:close()
  assert(#requests > 0, "no requests in " .. args[1])
  -- Spread the threads over the list.
  counter = math.floor(((id or 0) * #requests) / 2) % #requests + 1
end

function request()
  local r = requests[counter]
  counter = counter % #requests + 1
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "SCALE_RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d status=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
