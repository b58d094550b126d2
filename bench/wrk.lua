-- wrk script of bench/run.py (wrk 4, LuaJIT). Configured through environment variables:
--   BENCH_MODE     "get" | "post" | "bearer" | "refresh"
--   BENCH_PATH     request path (from discovery)
--   BENCH_BODY     form body ("post")
--   BENCH_AUTH     Authorization header value ("post", "refresh")
--   BENCH_TOKENS   file with one token per line: access tokens ("bearer", cycled) or the
--                  first refresh token of each chain ("refresh", rotated on every call)
--   BENCH_THREADS  wrk's -t, to share the tokens between threads
-- Every response that is not 2xx counts as an error; done() prints one line
-- "BENCH_RESULT {json}" for bench/run.py.

local counter = 0
local threads = {}

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local mode, path, body, auth
local fixed
local pool, head, tail = {}, 1, 0
local cursor = 0
non2xx = 0
statuses = {}
starved = 0

local function push(token)
   tail = tail + 1
   pool[tail] = token
end

local function pop()
   if head > tail then
      return nil
   end
   local token = pool[head]
   pool[head] = nil
   head = head + 1
   return token
end

function init(args)
   mode = os.getenv("BENCH_MODE")
   path = os.getenv("BENCH_PATH")
   body = os.getenv("BENCH_BODY")
   auth = os.getenv("BENCH_AUTH")
   local file = os.getenv("BENCH_TOKENS")
   if file then
      local nthreads = tonumber(os.getenv("BENCH_THREADS"))
      local i = 0
      for line in io.lines(file) do
         if line ~= "" then
            if i % nthreads == tid then
               push(line)
            end
            i = i + 1
         end
      end
   end
   if mode == "get" then
      fixed = wrk.format("GET", path)
   elseif mode == "post" then
      fixed = wrk.format("POST", path, {
         ["Authorization"] = auth,
         ["Content-Type"] = "application/x-www-form-urlencoded",
      }, body)
   end
end

function request()
   if fixed then
      return fixed
   end
   if mode == "bearer" then
      cursor = cursor % tail + 1
      return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. pool[cursor] })
   end
   -- refresh: take a chain's current token; its successor returns to the pool in response()
   local token = pop()
   if token == nil then
      starved = starved + 1
      token = "no-refresh-token-left"
   end
   return wrk.format("POST", path, {
      ["Authorization"] = auth,
      ["Content-Type"] = "application/x-www-form-urlencoded",
   }, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, resp_body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      statuses[status] = (statuses[status] or 0) + 1
      return
   end
   if mode == "refresh" then
      local token = string.match(resp_body, '"refresh_token"%s*:%s*"([^"]+)"')
      if token then
         push(token)
      else
         non2xx = non2xx + 1
         statuses[0] = (statuses[0] or 0) + 1
      end
   end
end

function done(summary, latency, requests)
   local total, starving = 0, 0
   local by_status = {}
   for _, thread in ipairs(threads) do
      total = total + thread:get("non2xx")
      starving = starving + thread:get("starved")
      for code, n in pairs(thread:get("statuses")) do
         by_status[code] = (by_status[code] or 0) + n
      end
   end
   local parts = {}
   for code, n in pairs(by_status) do
      table.insert(parts, string.format('"%d":%d', code, n))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
         .. '"max_us":%d,"non2xx":%d,"starved":%d,"connect":%d,"read":%d,"write":%d,'
         .. '"timeout":%d,"statuses":{%s}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, total, starving, e.connect, e.read, e.write,
      e.timeout, table.concat(parts, ",")))
end
