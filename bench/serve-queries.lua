-- wrk script for bench/serve: GET requests that cycle through a file of URL-encoded queries.
--
-- Environment (read in init(), in each wrk thread):
--   QUERIES      file with one URL-encoded query per line (required)
--   TOKEN        API token, sent as "Authorization: Bearer $TOKEN" (optional)
--   PATH_PREFIX  default "/api/v1/search?q="
--   PATH_SUFFIX  default "&k=10"
--
-- done() prints one line: RESULT {"requests":..,"rps":..,"latency_ms":{"p50":..,"p90":..,
-- "p99":..,"p99.9":..,"mean":..,"max":..},"statuses":{"200":..},"errors":{..},..}
-- (latencies in ms; statuses = responses counted by HTTP status; errors = wrk's socket
-- errors: connect, read, write, timeout, plus "status" = responses with status > 399).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local reqs, n, i
statuses = {}

function init(args)
  local qfile = os.getenv("QUERIES")
  if not qfile or qfile == "" then error("serve-queries.lua: set QUERIES to a query file") end
  local prefix = os.getenv("PATH_PREFIX") or "/api/v1/search?q="
  local suffix = os.getenv("PATH_SUFFIX") or "&k=10"
  local token = os.getenv("TOKEN") or ""
  local headers = {}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  reqs, n = {}, 0
  local f = assert(io.open(qfile, "r"))
  for line in f:lines() do
    if line ~= "" then
      n = n + 1
      reqs[n] = wrk.format("GET", prefix .. line .. suffix, headers)
    end
  end
  f:close()
  if n == 0 then error("serve-queries.lua: no queries in " .. qfile) end
  -- each thread starts at its own place in the list
  local t = tid or 1
  i = math.floor((t - 1) * n / 7) % n
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function num(x)
  if x ~= x or x == math.huge or x == -math.huge then return "null" end
  return string.format("%.6g", x)
end

function done(summary, latency, requests)
  local st = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for code, c in pairs(s) do
        local k = tostring(code)
        st[k] = (st[k] or 0) + c
      end
    end
  end
  local codes = {}
  for k in pairs(st) do table.insert(codes, k) end
  table.sort(codes)
  local parts, responses = {}, 0
  for _, k in ipairs(codes) do
    table.insert(parts, string.format('"%s":%d', k, st[k]))
    responses = responses + st[k]
  end
  local dur = summary.duration / 1e6
  local e = summary.errors
  local ms = function(us) return num(us / 1000) end
  io.write(string.format(
    'RESULT {"requests":%d,"responses":%d,"duration_s":%s,"rps":%s,"bytes":%d,' ..
    '"latency_ms":{"p50":%s,"p90":%s,"p99":%s,"p99.9":%s,"mean":%s,"max":%s},' ..
    '"statuses":{%s},"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}}\n',
    summary.requests, responses, num(dur), num(summary.requests / dur), summary.bytes,
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)),
    ms(latency:percentile(99.9)), ms(latency.mean), ms(latency.max),
    table.concat(parts, ","), e.connect, e.read, e.write, e.timeout, e.status))
end
