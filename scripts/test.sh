#!/usr/bin/env bash
# The whole test suite: installs what it needs when missing (Debian), builds, runs every test
# project against real services, and ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
# Python's standard smtpd is the SMTP server the mail tests send to.
[ -x /usr/bin/python3 ] || missing+=(python3)
# The container tests (tests/Viatique.Deploy.Tests): a Docker engine, compose, debootstrap for the
# stand-in base images, pebble as the ACME server.
[ -x /usr/sbin/dockerd ] || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
[ -x /usr/bin/pebble ] || missing+=(pebble)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Start the Docker engine when nothing answers (no systemd in CI containers); its log is kept.
if ! docker info >/dev/null 2>&1; then
  echo "Starting dockerd (log: /var/log/dockerd-viatique-tests.log)"
  as_root sh -c 'setsid nohup /usr/sbin/dockerd >/var/log/dockerd-viatique-tests.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/dockerd-viatique-tests.log" >&2; exit 1; }
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux-debian)." >&2
  exit 1
fi

dotnet build Viatique.sln -c Debug -nologo -clp:ErrorsOnly -v quiet
# The integration tests run this very build of the host, never an older Release build lying around.
export VIATIQUE_APP_DLL="$PWD/src/Viatique.Api/bin/Debug/net10.0/Viatique.Api.dll"

passed=0 failed=0 status=0
for project in tests/*/; do
  name=$(basename "$project")
  runner="$project/bin/Debug/net10.0/$name"
  log=$(mktemp)
  echo "== $name"
  if ! "$runner" -noColor "$@" 2>&1 | tee "$log"; then status=1; fi
  summary=$(grep -E "Total: [0-9]+, Errors: [0-9]+, Failed: [0-9]+" "$log" | tail -n 1 || true)
  if [ -z "$summary" ]; then
    echo "$name: the runner ended without a summary" >&2
    failed=$((failed + 1)); status=1
  else
    read -r total errors fails skipped notrun < <(echo "$summary" | sed -E 's/.*Total: ([0-9]+), Errors: ([0-9]+), Failed: ([0-9]+), Skipped: ([0-9]+), Not Run: ([0-9]+).*/\1 \2 \3 \4 \5/')
    passed=$((passed + total - errors - fails - skipped - notrun))
    failed=$((failed + errors + fails))
    [ $((errors + fails)) -eq 0 ] || status=1
  fi
  rm -f "$log"
done

echo "$passed passed, $failed failed"
exit $status
