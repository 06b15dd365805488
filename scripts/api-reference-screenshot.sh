#!/usr/bin/env bash
# Renders Development's API reference page (/scalar/v1) in headless Chromium and saves a PNG, so a
# person can see that the page really renders (the integration tests check the page and its script
# are served; this shows the result). Installs Debian's chromium when missing.
#
#   scripts/api-reference-screenshot.sh [OUT.png]     (default: api-reference.png)
set -Eeuo pipefail
cd "$(dirname "$0")/.."

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
}

ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return
  log "installing Debian's chromium"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium >/dev/null
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

workdir="" host_pid=""

_main() {
  case "${1:-}" in -h|--help) usage; exit 0 ;; esac
  local out port
  out=$(realpath -m "${1:-api-reference.png}")
  ensure_chromium
  dotnet build src/Viatique.Api -c Debug -nologo -clp:ErrorsOnly -v quiet >/dev/null
  port=$(free_port)
  workdir=$(mktemp -d)
  log "starting the host in Development on 127.0.0.1:$port"
  (cd "$workdir" && exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$port" LOG_FORMAT=json \
    dotnet "$OLDPWD/src/Viatique.Api/bin/Debug/net10.0/Viatique.Api.dll" >"$workdir/host.log" 2>&1) &
  host_pid=$!
  trap 'kill "$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; rm -rf "$workdir"' EXIT
  for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/health/live/" 2>/dev/null && break
    kill -0 "$host_pid" 2>/dev/null || { cat "$workdir/host.log" >&2; log "the host exited"; exit 1; }
    sleep 0.5
  done
  log "rendering http://localhost:$port/scalar/v1"
  # The flags keep Chromium off the network (this machine has none) and out of any profile.
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$workdir/profile" --window-size=1400,900 --virtual-time-budget=8000 \
    --screenshot="$out" "http://localhost:$port/scalar/v1" 2>"$workdir/chromium.log" || { cat "$workdir/chromium.log" >&2; exit 1; }
  log "saved $out"
}

_main "$@"
