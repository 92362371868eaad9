-- wrk script for bench/load: optional POST body with a counter (each comment differs), and one
-- machine-readable line at the end: requests/s, p50 and p99 in ms, errors.
local counter = 0
local body_template = os.getenv("BENCH_POST_BODY")
local cookie = os.getenv("BENCH_COOKIE")

request = function()
  local headers = {}
  if cookie then headers["Cookie"] = cookie end
  if body_template then
    counter = counter + 1
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    local body = body_template:gsub("COUNTER", tostring(counter) .. "-" .. tostring(math.random(1e9)))
    return wrk.format("POST", nil, headers, body)
  end
  return wrk.format("GET", nil, headers)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.requests))
end
