-- wrk script of bench/perf.sh: GET $BENCH_PATH as nginx would forward it (Host, X-Forwarded-Proto
-- https, and a random client address in X-Forwarded-For, so per-client rate limits are spread
-- over 16 million clients and the budget is not what is measured), with $BENCH_COOKIE if set.
-- Every target, ceilings included, gets the same request-building cost on the wrk side.
local path = os.getenv("BENCH_PATH") or "/"
local host = os.getenv("BENCH_HOST") or "127.0.0.1"
local cookie = os.getenv("BENCH_COOKIE")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  local headers = {
    ["Host"] = host,
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254),
  }
  if cookie and cookie ~= "" then
    headers["Cookie"] = cookie
  end
  return wrk.format("GET", path, headers)
end
