-- wrk script: the same request over and over (wrk's own), then one line the bench scripts parse:
--   WRK_RESULT requests=... duration_us=... p50_us=... p99_us=... max_us=... non2xx=... errors=...
-- (non2xx: answers with a status >= 400, as wrk counts them; errors: connect, read, write and timeouts.)
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
