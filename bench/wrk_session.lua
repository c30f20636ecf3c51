-- wrk script for bench/wrk_run.py: every request carries the bench user's session cookie
-- (WRK_COOKIE, "name=value") or API token (WRK_TOKEN), walks the paths of WRK_PATHS
-- (space-separated, round robin: the issue pages), and the run ends with one line
-- "WRK_JSON {...}" that wrk_run.py reads (wrk's own text output rounds and mixes units).

local cookie = os.getenv("WRK_COOKIE")
local token = os.getenv("WRK_TOKEN")
local paths = {}
for path in string.gmatch(os.getenv("WRK_PATHS") or "/", "%S+") do
  table.insert(paths, path)
end

wrk.headers["Accept-Language"] = "zh-hans"
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
if token and token ~= "" then
  wrk.headers["Authorization"] = "Token " .. token
  wrk.headers["Accept"] = "application/json"
end

local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean
  ))
end
