#!/usr/bin/env bash
# The performance benchmark of issue 11, in one run: builds Release, starts its own PostgreSQL 15
# and redis-server, the ceilings (bench/Ceiling: bare Kestrel, and one pooled Npgsql SELECT 1) and
# the host (Production, every rulebook variable valid), then measures throughput, p99 and max
# latency with wrk at 16 and 64 connections, RSS (idle, peak, growth over a soak), statements per
# request (pg_stat_statements) and cold starts (exec -> first 200), and prints one table with each
# figure beside its ceiling, the ratio and the goal. See bench/README.md.
#
# Usage: bench/perf.sh [--seconds 5] [--warmup 1] [--soak 60] [--starts 5] [--keep] [--host-env NAME=VALUE]...
#   --seconds  length of each measured wrk run     --warmup  unmeasured wrk run before each (and twice
#              that for every path in a first round)
#   --soak     seconds of load before the RSS growth figure (0: skip)
#   --starts   cold starts of each program         --keep    keep the work directory (logs)
#   --host-env one more variable for the host only (repeatable), to measure a runtime setting,
#              e.g. --host-env DOTNET_gcConcurrent=0; the report names it
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=5 warmup=1 soak=60 starts=5 keep=false
extra_host_env=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --soak) soak=$2; shift 2 ;;
    --starts) starts=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    --host-env)
      [[ "${2:-}" =~ ^[A-Za-z_][A-Za-z0-9_]*=.*$ ]] || { echo "perf.sh: --host-env wants NAME=VALUE, got '${2:-}'" >&2; exit 2; }
      extra_host_env+=("$2"); shift 2 ;;
    *) echo "perf.sh: unknown argument '$1' (see the usage at the top of bench/perf.sh)" >&2; exit 2 ;;
  esac
done
for n in "$seconds" "$warmup" "$soak" "$starts"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "perf.sh: '$n' is not a whole number of seconds or starts" >&2; exit 2; }
done
if [ "$seconds" -lt 1 ] || [ "$starts" -lt 1 ]; then echo "perf.sh: --seconds and --starts must be at least 1" >&2; exit 2; fi

pg_bin=/usr/lib/postgresql/15/bin
for tool in wrk redis-server psql python3 curl "$pg_bin/initdb"; do
  command -v "$tool" >/dev/null || { echo "perf.sh: $tool is missing: apt-get install -y wrk redis-server postgresql-15 python3 curl" >&2; exit 1; }
done

started=$(date +%s)
work=$(mktemp -d /tmp/viatique-perf-XXXXXX)
chmod 755 "$work"
mkdir -p "$work/wrk" "$work/profile"
pids=()      # every process this script started, in start order
postgres_pid=
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    if [ "$pid" = "$postgres_pid" ]; then kill -INT "$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for _ in $(seq 100); do
    local alive=false
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=true; done
    $alive || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if $keep; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '[%3ds] %s\n' "$(( $(date +%s) - started ))" "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
rss() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status"; }   # kB of VmRSS or VmHWM, or the Threads count
wait_200() { # port path pid
  for _ in $(seq 300); do
    kill -0 "$3" 2>/dev/null || { echo "perf.sh: the process on port $1 exited" >&2; return 1; }
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1$2")" = 200 ] && return 0
    sleep 0.1
  done
  echo "perf.sh: no 200 on 127.0.0.1:$1$2 within 30 s" >&2; return 1
}

say "uptime before: $(uptime)"
say "building Release (dotnet publish -r linux-x64: ReadyToRun, as the image is built)"
dotnet publish src/Viatique.Api -c Release -r linux-x64 --self-contained false -o "$work/app" -nologo -v quiet -clp:ErrorsOnly >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; exit 1; }
dotnet publish bench/Ceiling -c Release -o "$work/ceiling" -nologo -v quiet -clp:ErrorsOnly >>"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; exit 1; }

# --- PostgreSQL 15: initdb in the work directory, a free loopback port; the server refuses root.
say "starting PostgreSQL 15 and redis-server"
pg_dir=$work/pg
pg_port=$(free_port)
pg_password=$(hex 12)
mkdir -p "$pg_dir/socket"
printf '%s\n' "$pg_password" > "$pg_dir/pwfile"
pg_as=()   # the server binaries refuse root: run them as postgres (setpriv execs, so $! is the server)
if [ "$(id -u)" = 0 ]; then chown -R postgres: "$pg_dir"; pg_as=(setpriv --reuid=postgres --regid=postgres --init-groups --); fi
"${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --pwfile="$pg_dir/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --no-locale --no-sync >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
cat >>"$pg_dir/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = 'none'   # 'top' only while profiling, so it costs nothing during the timed runs
log_line_prefix = '%m [%p] %d '
CONF
"${pg_as[@]}" "$pg_bin/postgres" -D "$pg_dir/data" -p "$pg_port" -k "$pg_dir/socket" -c listen_addresses=127.0.0.1 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 >"$work/postgres.log" 2>&1 &
postgres_pid=$!
pids+=("$postgres_pid")
sql() { psql -X -q -A -t -h "$pg_dir/socket" -p "$pg_port" -U postgres -d "${2:-postgres}" -c "$1"; }
for i in $(seq 300); do sql 'SELECT 1' >/dev/null 2>&1 && break; [ "$i" = 300 ] && { cat "$work/postgres.log" >&2; exit 1; }; sleep 0.1; done
sql 'CREATE DATABASE bench' >/dev/null
sql 'CREATE EXTENSION pg_stat_statements' >/dev/null

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
pids+=("$redis_pid")

# --- The host's environment: Production, every rulebook variable set validly.
site=bench.viatique.test
host_port=$(free_port)
ceiling_port=$(free_port)
password=$(hex 16)
cat >"$work/host.env" <<ENV
PATH=$PATH
HOME=$work
DOTNET_ROOT=$(dirname "$(readlink -f "$(command -v dotnet)")")
ASPNETCORE_ENVIRONMENT=Production
ASPNETCORE_URLS=http://127.0.0.1:$host_port
DEBUG=false
LOG_FORMAT=json
SECRET_KEY=$(hex 40)
DATABASE_URL=postgresql://postgres:$pg_password@127.0.0.1:$pg_port/bench
ALLOWED_HOSTS=$site
CSRF_TRUSTED_ORIGINS=https://$site
SSL_ENABLED=true
SESSION_COOKIE_SECURE=true
CSRF_COOKIE_SECURE=true
SECURE_HSTS_SECONDS=31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS=true
SECURE_HSTS_PRELOAD=true
EMAIL_PORT=587
EMAIL_USE_TLS=true
DEFAULT_FROM_EMAIL=noreply@$site
PASSWORD_RESET_TIMEOUT=259200
CELERY_BROKER_URL=redis://127.0.0.1:$redis_port/0
CELERY_RESULT_BACKEND=redis://127.0.0.1:$redis_port/1
TRUSTED_PROXIES=127.0.0.1
MEDIA_ROOT=$work/media
STATIC_ROOT=$work/static
BACKUP_DIR=$work/backups
METRICS_TOKEN=$(hex 24)
ENV
for setting in "${extra_host_env[@]}"; do echo "$setting" >>"$work/host.env"; done
grep -E '^(PATH|HOME|DOTNET_ROOT)=' "$work/host.env" >"$work/ceiling.env"
echo "CEILING_DATABASE=Host=127.0.0.1;Port=$pg_port;Database=bench;Username=postgres;Password=$pg_password;Pooling=true;Connection Lifetime=600;Keepalive=30;Timeout=5;Command Timeout=30" >>"$work/ceiling.env"
mkdir -p "$work/media" "$work/static" "$work/backups"
mapfile -t host_vars <"$work/host.env"
mapfile -t ceiling_vars <"$work/ceiling.env"

say "migrate, createsuperuser"
(cd "$work/app" && exec env -i "${host_vars[@]}" ./Viatique.Api migrate --timeout 30) >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; exit 1; }
(cd "$work/app" && exec env -i "${host_vars[@]}" VIATIQUE_SUPERUSER_PASSWORD="$password" ./Viatique.Api createsuperuser --username bench --email "bench@$site") \
  >"$work/createsuperuser.log" 2>&1 </dev/null || { cat "$work/createsuperuser.log" >&2; exit 1; }

# --- The long-running host and ceilings. The host's JSON log (one access line per request) goes
#     to /dev/null as a container's stdout would go to a pipe; startup lines are kept by the cold starts.
#     Both run from their publish directory (the content root), as in a container's WORKDIR.
say "starting the ceilings and the host"
(cd "$work/ceiling" && exec env -i "${ceiling_vars[@]}" ASPNETCORE_URLS="http://127.0.0.1:$ceiling_port" ./Ceiling) >"$work/ceiling.log" 2>&1 &
ceiling_pid=$!
pids+=("$ceiling_pid")
(cd "$work/app" && exec env -i "${host_vars[@]}" ./Viatique.Api) >/dev/null 2>"$work/host.stderr" &
host_pid=$!
pids+=("$host_pid")
wait_200 "$ceiling_port" /select1/ "$ceiling_pid"
wait_200 "$ceiling_port" /select1-reset/ "$ceiling_pid"
wait_200 "$ceiling_port" /bare/ "$ceiling_pid"
wait_200 "$host_port" /health/ "$host_pid"

# --- Log in once, as the Vue front end would behind nginx: CSRF cookie + header, Origin, HTTPS.
proxy=(-H "Host: $site" -H "X-Forwarded-Proto: https" -H "X-Forwarded-For: 10.255.255.1")
curl -sS --max-time 10 -D "$work/csrf.headers" -o /dev/null "${proxy[@]}" "http://127.0.0.1:$host_port/api/auth/csrf/"
csrf=$(sed -n 's/^[Ss]et-[Cc]ookie: csrftoken=\([^;]*\).*/\1/p' "$work/csrf.headers" | tr -d '\r')
[ -n "$csrf" ] || { echo "perf.sh: no csrftoken cookie from /api/auth/csrf/" >&2; cat "$work/csrf.headers" >&2; exit 1; }
login_status=$(curl -sS --max-time 10 -D "$work/login.headers" -o "$work/login.body" -w '%{http_code}' "${proxy[@]}" \
  -H "Origin: https://$site" -H "X-CSRFToken: $csrf" -H "Cookie: csrftoken=$csrf" -H "Content-Type: application/json" \
  --data "{\"username\":\"bench\",\"password\":\"$password\"}" "http://127.0.0.1:$host_port/api/auth/login/")
session=$(sed -n 's/^[Ss]et-[Cc]ookie: \(sessionid=[^;]*\).*/\1/p' "$work/login.headers" | tr -d '\r')
if [ "$login_status" != 200 ] || [ -z "$session" ]; then echo "perf.sh: login answered $login_status without a session cookie" >&2; cat "$work/login.body" >&2; exit 1; fi
me_status=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "${proxy[@]}" -H "Cookie: $session" "http://127.0.0.1:$host_port/api/auth/me/")
[ "$me_status" = 200 ] || { echo "perf.sh: /api/auth/me/ answered $me_status with the session cookie" >&2; exit 1; }

sleep 2
{ echo "HOST_IDLE=$(rss "$host_pid" VmRSS)"; echo "CEILING_IDLE=$(rss "$ceiling_pid" VmRSS)"; echo "HOST_THREADS_IDLE=$(rss "$host_pid" Threads)"; } >"$work/rss.env"
python3 bench/perf.py mappings "$host_pid" "$work/app" >"$work/memory-host.json"
python3 bench/perf.py mappings "$ceiling_pid" "$work/ceiling" >"$work/memory-ceiling.json"

# --- Throughput and latency. Every target gets the same wrk script (bench/request.lua).
connections="16 64"
load() { # output-file port path conns seconds [cookie] [threads]
  BENCH_PATH=$3 BENCH_HOST=$site BENCH_COOKIE=${6:-} timeout $(( $5 + 30 )) \
    wrk -t"${7:-2}" -c"$4" -d"$5s" --timeout 5s --latency -s bench/request.lua "http://127.0.0.1:$2$3" >"$1"
}
targets=("bare $ceiling_port /bare/" "live $host_port /health/live/" "select1 $ceiling_port /select1/"
         "select1reset $ceiling_port /select1-reset/" "health $host_port /health/" "me $host_port /api/auth/me/")
# A running server is warm: one unmeasured round over every path first, so no measured run pays for
# the tiered JIT's first recompilations (the first run measured after a start was 1.5-2x slower than
# the same run repeated).
if [ "$warmup" -gt 0 ]; then
  say "warm-up: every path, $(( warmup * 2 ))s each"
  for target in "${targets[@]}"; do
    # shellcheck disable=SC2086 # $target is a space-separated tuple, split into positional parameters on purpose
    set -- $target
    cookie=; [ "$1" = me ] && cookie=$session
    load /dev/null "$2" "$3" 16 $(( warmup * 2 )) "$cookie"
  done
fi
for conns in $connections; do
  for target in "${targets[@]}"; do
    # shellcheck disable=SC2086 # $target is a space-separated tuple, split into positional parameters on purpose
    set -- $target
    cookie=; [ "$1" = me ] && cookie=$session
    [ "$warmup" -gt 0 ] && load /dev/null "$2" "$3" "$conns" "$warmup" "$cookie"
    load "$work/wrk/$1-$conns.txt" "$2" "$3" "$conns" "$seconds" "$cookie"
    say "$(printf '%-8s @%-3s %12s req/s' "$1" "$conns" "$(awk '/Requests\/sec/ {print $2}' "$work/wrk/$1-$conns.txt")")"
  done
done

# --- Soak: /api/auth/me/ (everything a request touches) for --soak seconds; RSS before and after.
if [ "$soak" -gt 0 ]; then
  say "soak: /api/auth/me/ @16 for ${soak}s"
  echo "HOST_PRESOAK=$(rss "$host_pid" VmRSS)" >>"$work/rss.env"
  load "$work/wrk/soak.txt" "$host_port" /api/auth/me/ 16 "$soak" "$session"
  sleep 2
  echo "HOST_POSTSOAK=$(rss "$host_pid" VmRSS)" >>"$work/rss.env"
fi
{ echo "HOST_PEAK=$(rss "$host_pid" VmHWM)"; echo "CEILING_PEAK=$(rss "$ceiling_pid" VmHWM)"; echo "HOST_THREADS_LOADED=$(rss "$host_pid" Threads)"; } >>"$work/rss.env"
python3 bench/perf.py mappings "$host_pid" "$work/app" >"$work/memory-host-loaded.json"

# --- Profile: statements per request (pg_stat_statements), and one request of each path with
#     log_statement=all, between marker statements.
say "profile: statements and CPU per request"
ticks() { local sum=0 pid; for pid in "$@"; do [ -r "/proc/$pid/stat" ] && sum=$(( sum + $(awk '{print $14 + $15}' "/proc/$pid/stat") )); done; echo "$sum"; }
postgres_family() { echo "$postgres_pid"; pgrep -P "$postgres_pid" || true; }
sql "ALTER SYSTEM SET pg_stat_statements.track = 'top'" >/dev/null
sql 'SELECT pg_reload_conf()' >/dev/null
sleep 0.5
for target in "bare $ceiling_port /bare/ $ceiling_pid" "live $host_port /health/live/ $host_pid" \
              "select1 $ceiling_port /select1/ $ceiling_pid" "select1reset $ceiling_port /select1-reset/ $ceiling_pid" \
              "health $host_port /health/ $host_pid" "me $host_port /api/auth/me/ $host_pid"; do
  # shellcheck disable=SC2086 # $target is a space-separated tuple, split into positional parameters on purpose
  set -- $target
  cookie=; [ "$1" = me ] && cookie=$session
  sql 'SELECT pg_stat_statements_reset()' >/dev/null
  mapfile -t postgres_pids < <(postgres_family)
  process_before=$(ticks "$4"); postgres_before=$(ticks "${postgres_pids[@]}"); redis_before=$(ticks "$redis_pid")
  load "$work/profile/$1.wrk.txt" "$2" "$3" 4 2 "$cookie" 1
  { echo "PROCESS=$(( $(ticks "$4") - process_before ))"; mapfile -t postgres_pids < <(postgres_family); echo "POSTGRES=$(( $(ticks "${postgres_pids[@]}") - postgres_before ))"
    echo "REDIS=$(( $(ticks "$redis_pid") - redis_before ))"; echo "HZ=$(getconf CLK_TCK)"; } >"$work/profile/$1.cpu"
  sql "SELECT s.calls || '|' || regexp_replace(s.query, '\s+', ' ', 'g') FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = 'bench' ORDER BY s.calls DESC, s.query" >"$work/profile/$1.tsv"
done
sql "ALTER SYSTEM SET pg_stat_statements.track = 'none'" >/dev/null
sql "ALTER SYSTEM SET log_statement = 'all'" >/dev/null
sql 'SELECT pg_reload_conf()' >/dev/null
sleep 0.5
for target in "health /health/" "me /api/auth/me/"; do
  # shellcheck disable=SC2086 # $target is a space-separated tuple, split into positional parameters on purpose
  set -- $target
  sql "SELECT 'bench-marker $1'" bench >/dev/null
  cookie=(); [ "$1" = me ] && cookie=(-H "Cookie: $session")
  curl -sS --max-time 10 -o /dev/null "${proxy[@]}" "${cookie[@]}" "http://127.0.0.1:$host_port$2"
done
sleep 0.5
sql "SELECT 'bench-marker end'" bench >/dev/null
sql "ALTER SYSTEM RESET log_statement" >/dev/null
sql 'SELECT pg_reload_conf()' >/dev/null
sed -n "/bench-marker health/,/bench-marker end/p" "$work/postgres.log" | grep -E 'statement:|execute|bench-marker' \
  | sed -E 's/^[0-9-]+ ([0-9:.]+) UTC/\1/' >"$work/profile/statements.log" || true

# --- Cold starts last: the database holds users, sessions and the key ring as in production.
say "cold starts: $starts of the host, $starts of the SELECT 1 ceiling"
python3 bench/perf.py coldstart "$work/host.env" "$(free_port)" /health/ "$starts" "$work/cold-host" "$work/app/Viatique.Api" >"$work/cold-host.json"
python3 bench/perf.py coldstart "$work/ceiling.env" "$(free_port)" /select1/ "$starts" "$work/cold-ceiling" "$work/ceiling/Ceiling" >"$work/cold-ceiling.json"

{ echo "CONNECTIONS=$connections"; echo "SOAK=$soak"; } >"$work/bench.env"
echo
echo "Viatique perf benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+dirty'), $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))"
echo "wrk -t2 --latency, ${seconds}s per run after ${warmup}s warm-up; the ceilings and the host share the cores with wrk"
if [ ${#extra_host_env[@]} -gt 0 ]; then echo "host run with: ${extra_host_env[*]}"; fi
echo
python3 bench/perf.py table "$work"
echo
echo "one request each with log_statement=all (PostgreSQL log, between markers):"
cat "$work/profile/statements.log"
echo
say "uptime after: $(uptime)"
