-- wrk script for bench/chain.sh: each connection runs whole CSUA150 chains, one after another:
--   POST /api/v1/access-requests as the caseworker, then POST .../decisions {"decision":"approve"} as the
--   team leader, the SCR manager and provisioning in turn.
-- wrk keeps one Lua state per thread and calls request() for a connection some time after that connection's
-- response(), so a chain's state is only unambiguous with one connection a thread: run it as wrk -tN -cN.
--
--   wrk -t32 -c32 -d20s -s bench/lib/chain.lua http://127.0.0.1:PORT -- CASEWORKER LEADER MANAGER PROVISIONING SR_ID NINO
-- (the four are API tokens). At the end it prints, per thread and then summed by bench/chain.sh:
--   CHAIN_RESULT chains=... steps=... failures=... duration_us=...
-- A chain counts when its provisioning approval answers 200 with a grant; any other answer ends the chain as a
-- failure (its body is printed once per thread, so a wrong set-up shows) and the connection starts a new one.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local tokens, sr, nino
local step = 0          -- 0: create; 1..3: the three decisions
local requestId = nil
chains, steps, failures = 0, 0, 0
local shown = false

function init(args)
  tokens = { args[1], args[2], args[3], args[4] }
  sr, nino = args[5], args[6]
  assert(sr and nino, "usage: -- CASEWORKER LEADER MANAGER PROVISIONING SR_ID NINO")
end

local function headers(token)
  return { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

function request()
  if step == 0 then
    local body = string.format(
      '{"purpose":"viewContact","serviceRequestId":"%s","requestedDurationMinutes":30,"justification":"bench/chain.sh","nino":"%s"}', sr, nino)
    return wrk.format("POST", "/api/v1/access-requests", headers(tokens[1]), body)
  end
  return wrk.format("POST", "/api/v1/access-requests/" .. requestId .. "/decisions", headers(tokens[step + 1]), '{"decision":"approve"}')
end

function response(status, hdrs, body)
  if status ~= 200 and status ~= 201 then
    failures = failures + 1
    if not shown then
      shown = true
      io.stderr:write("chain step " .. step .. " answered " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n")
    end
    step, requestId = 0, nil
    return
  end
  steps = steps + 1
  if step == 0 then
    requestId = string.match(body, '"id"%s*:%s*"([%x%-]+)"')
    step = 1
  elseif step < 3 then
    step = step + 1
  else
    if string.find(body, '"grantId"%s*:%s*"') then chains = chains + 1 else failures = failures + 1 end
    step, requestId = 0, nil
  end
end

function done(summary, latency, requests)
  local total, stepsTotal, failed = 0, 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("chains")
    stepsTotal = stepsTotal + thread:get("steps")
    failed = failed + thread:get("failures")
  end
  io.write(string.format("CHAIN_RESULT chains=%d steps=%d failures=%d duration_us=%d p50_us=%d p99_us=%d\n",
    total, stepsTotal, failed, summary.duration, latency:percentile(50), latency:percentile(99)))
end
