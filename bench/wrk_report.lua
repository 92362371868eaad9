-- wrk script for bench/load. GET by default; with BENCH_POST_BODIES (files BENCH_POST_BODIES.0,
-- .1, ... one per wrk thread, of urlencoded form bodies, one a line, each with its own form stamp
-- and text) each request POSTs the thread's next body, so no two requests send the same comment
-- or the same stamp. At the
-- end, one machine-readable line: requests/s, p50 and p99 in ms, errors, requests; then the
-- answers' status codes (POST rows only) and how many bodies were sent twice (wrk ran out).
local cookie = os.getenv("BENCH_COOKIE")
local bodies_file = os.getenv("BENCH_POST_BODIES")
local threads = {}

setup = function(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

local bodies = {}
local next_body = 1
statuses = {}
reused = 0

init = function(args)
  if bodies_file then
    for line in io.lines(bodies_file .. "." .. thread_id) do table.insert(bodies, line) end
  end
end

request = function()
  local headers = {}
  if cookie then headers["Cookie"] = cookie end
  if bodies_file then
    if next_body > #bodies then next_body = 1; reused = reused + 1 end
    local body = bodies[next_body]
    next_body = next_body + 1
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", nil, headers, body)
  end
  return wrk.format("GET", nil, headers)
end

if bodies_file then
  response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.requests))
  io.write(string.format("ERRORS connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout))
  local counts, wrapped = {}, 0
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do counts[status] = (counts[status] or 0) + n end
    wrapped = wrapped + t:get("reused")
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, status .. "=" .. n) end
  table.sort(parts)
  io.write("STATUSES " .. table.concat(parts, ",") .. " reused=" .. wrapped .. "\n")
end
