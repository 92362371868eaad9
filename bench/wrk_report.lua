-- wrk script for bench/load: optional POST body with a counter (each comment differs), and one
-- machine-readable line at the end: requests/s, p50 and p99 in ms, errors, requests, and POSTs.
--
-- With BENCH_FORM_PAGE (a path) as well, each POST is sent as a reader sends it: its form's
-- stamp (STAMP in the body) is read from a GET of that page first. Stamps are for one post and
-- one accepted comment each, so one harvested stamp cannot be replayed.
local counter = 0
local body_template = os.getenv("BENCH_POST_BODY")
local cookie = os.getenv("BENCH_COOKIE")
local form_page = os.getenv("BENCH_FORM_PAGE")
local stamps = {}
posts = 0 -- global: read per thread by done()
thread_number = 0 -- global: set per thread by setup()

request = function()
  local headers = {}
  if cookie then headers["Cookie"] = cookie end
  if body_template then
    local body = body_template
    if form_page then
      local stamp = table.remove(stamps)
      if not stamp then return wrk.format("GET", form_page, headers) end
      body = body:gsub("STAMP", stamp)
    end
    counter = counter + 1
    posts = posts + 1
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    -- Each thread's Lua state draws the same random numbers: its number keeps comments apart.
    body = body:gsub("COUNTER", tostring(thread_number) .. "-" .. tostring(counter))
    return wrk.format("POST", nil, headers, body)
  end
  return wrk.format("GET", nil, headers)
end

-- Defined only when stamps are wanted: with a response() wrk hands every body to Lua, which
-- would slow the plain GET rows down.
if form_page then
  response = function(status, headers, body)
    local stamp = body:match('name="timestamp" value="([^"]+)"')
    if stamp then table.insert(stamps, stamp) end
  end
end

local threads = {}

setup = function(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  local sent = 0
  for _, thread in ipairs(threads) do sent = sent + (thread:get("posts") or 0) end
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.requests, sent))
end
