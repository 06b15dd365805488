#!/usr/bin/env bash
# What the hardening stack costs: wrk on loopback against a bare Kestrel endpoint, then against
# /health/live/ of the real host in Production (forwarded headers, request id + JSON access log,
# security headers, error handling, body limit, host filter, HTTPS rules, routing, request timeout,
# rate limiter, metrics), then against an /api/ path whose rate limit is shared through a real
# redis-server (one Lua call per request; wrk spreads the requests over 65 536 forwarded client
# IPs so the budget is not what is measured). Prints requests/s, latency and the ratios.
# With BASELINE_REF set (e.g. BASELINE_REF=main), that commit is built too and /health/live/ of
# both builds is measured in alternation (3 rounds each, same machine, same moment), to compare a
# change's cost on a shared, noisy machine.
# Usage: [BASELINE_REF=main] bench/http-stack.sh [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

out=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$out"; }
trap cleanup EXIT

dotnet publish bench/BareHost -c Release -o "$out/bare" -nologo -v quiet >/dev/null
dotnet publish src/Viatique.Api -c Release -o "$out/app" -nologo -v quiet >/dev/null
if [ -n "${BASELINE_REF:-}" ]; then
  mkdir -p "$out/base-src"
  git archive "$BASELINE_REF" | tar -x -C "$out/base-src"
  dotnet publish "$out/base-src/src/Viatique.Api" -c Release -o "$out/base" -nologo -v quiet >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "nothing on $1" >&2; exit 1; }

bare_port=$(free_port)
ASPNETCORE_URLS="http://127.0.0.1:$bare_port" dotnet "$out/bare/BareHost.dll" >/dev/null 2>&1 &
pids+=($!)

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$out" >/dev/null 2>&1 &
pids+=($!)

start_host() { # dll port
  env -i PATH="$PATH" HOME="$out" \
    ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$2" \
    SECRET_KEY="bench-$(head -c 48 /dev/urandom | base64 | tr -d '\n')" \
    DATABASE_URL="postgresql://bench:bench@127.0.0.1:1/bench" CELERY_BROKER_URL="redis://127.0.0.1:$redis_port/0" \
    ALLOWED_HOSTS=127.0.0.1 CSRF_TRUSTED_ORIGINS=https://127.0.0.1 TRUSTED_PROXIES=127.0.0.1 \
    dotnet "$1" >/dev/null 2>&1 &
  pids+=($!)
}
app_port=$(free_port)
start_host "$out/app/Viatique.Api.dll" "$app_port"
if [ -n "${BASELINE_REF:-}" ]; then
  base_port=$(free_port)
  start_host "$out/base/Viatique.Api.dll" "$base_port"
fi
wait_port "$bare_port"
wait_port "$redis_port"
wait_port "$app_port"
[ -n "${BASELINE_REF:-}" ] && wait_port "$base_port"

# For the /api/ run: HTTPS as nginx would say, and a random client IP per request.
cat > "$out/api.lua" <<'LUA'
request = function()
  return wrk.format("GET", "/api/ping/", {
    ["Host"] = "127.0.0.1",
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = "10.9." .. math.random(0, 255) .. "." .. math.random(0, 255),
  })
end
LUA

run() { # name port [wrk script]
  local script=()
  [ -n "${3:-}" ] && script=(-s "$3")
  wrk -t2 -c"$connections" -d2s "${script[@]}" "http://127.0.0.1:$2/health/live/" >/dev/null   # warm-up (JIT, pools)
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "${script[@]}" "http://127.0.0.1:$2/health/live/" > "$out/$1.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$out/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$out/$1.txt")
  printf '%-10s %12s req/s   p50 %8s   p99 %8s\n' "$1" "$rps" "$p50" "$p99"
  echo "$rps" > "$out/$1.rps"
}
echo "wrk -t2 -c$connections -d${seconds}s, $(nproc) cores shared by wrk and the server"
if [ -n "${BASELINE_REF:-}" ]; then
  # Only one host is loaded at a time; the other idles.
  for round in 1 2 3; do
    run "base-$round" "$base_port"
    run "this-$round" "$app_port"
  done
  python3 - "$out" "$BASELINE_REF" <<'PY'
import statistics, sys
out, ref = sys.argv[1], sys.argv[2]
median = lambda prefix: statistics.median(float(open(f"{out}/{prefix}-{r}.rps").read()) for r in (1, 2, 3))
base, this = median("base"), median("this")
print(f"/health/live/ median of 3: {ref} {base:.0f} req/s, this tree {this:.0f} req/s ({this / base:.0%} of {ref})")
PY
  exit 0
fi
run bare "$bare_port"
run viatique "$app_port"
run api-redis "$app_port" "$out/api.lua"
grep -E "Non-2xx|Socket errors" "$out/api-redis.txt" || true
python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
rps = {name: float(open(f"{out}/{name}.rps").read()) for name in ("bare", "viatique", "api-redis")}
print(f"hardening stack keeps {rps['viatique'] / rps['bare']:.0%} of bare throughput ({rps['bare'] / rps['viatique']:.2f}x cost per request)")
print(f"/api/ with Redis-shared limits runs at {rps['api-redis'] / rps['viatique']:.0%} of /health/live/")
PY
