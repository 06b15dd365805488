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
# The operations scripts: shellcheck lints every script, rsync makes the media snapshots,
# openssl makes the certificates check --deploy reads, deploy.sh checks health with curl.
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
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

# The test projects run side by side in three lanes, since most of their time is spent
# waiting (on host processes, on Docker, on debootstrap) rather than computing:
#   containers  Viatique.Deploy.Tests, built and started first, so the stand-in images
#               (debootstrap, several minutes on a fresh machine) are made while the rest builds;
#   kubernetes  Viatique.Kubernetes.Tests (its pods wait for the same images, under their lock);
#   host        every other project (unit tests, then the integration tests), one after the other.
# Each project's output goes to its own log, printed whole when the project ends.
containers=Viatique.Deploy.Tests
kubernetes=Viatique.Kubernetes.Tests
projects=() host=()
for project in tests/*/; do
  name=$(basename "$project")
  projects+=("$name")
  [ "$name" = "$containers" ] || [ "$name" = "$kubernetes" ] || host+=("$name")
done
# Unit tests first: they fail fastest.
mapfile -t host < <(printf '%s\n' "${host[@]}" | sort -r)

logs=$(mktemp -d)
# On an early exit (a build error), no lane is left running behind the script.
# shellcheck disable=SC2317  # called by the EXIT trap, which shellcheck does not follow
stop_lanes() {
  local lane
  for lane in $(jobs -p); do
    pkill -TERM -P "$lane" 2>/dev/null || true
    kill "$lane" 2>/dev/null || true
  done
  rm -rf "$logs"
}
trap stop_lanes EXIT

# Runs one test project's runner; its output lands in $logs/NAME.log, its exit status in $logs/NAME.rc.
run_project() {
  local name=$1
  shift
  local status=0
  "tests/$name/bin/Debug/net10.0/$name" -noColor "$@" >"$logs/$name.log" 2>&1 || status=$?
  # Renamed into place, so the reporting loop never reads a half-written status.
  echo "$status" >"$logs/$name.status" && mv "$logs/$name.status" "$logs/$name.rc"
}

# The application image the container tests build copies src/, never build output, so the
# container lane needs only its own project built.
dotnet build "tests/$containers" -c Debug -nologo -clp:ErrorsOnly -v quiet
run_project "$containers" "$@" &

dotnet build Viatique.sln -c Debug -nologo -clp:ErrorsOnly -v quiet
# The integration tests run this very build of the host, never an older Release build lying around.
export VIATIQUE_APP_DLL="$PWD/src/Viatique.Api/bin/Debug/net10.0/Viatique.Api.dll"
run_project "$kubernetes" "$@" &
{ for name in "${host[@]}"; do run_project "$name" "$@"; done; } &

passed=0 failed=0 status=0
reported=" "
# Prints and counts every project whose runner has ended and that is not yet reported.
report_finished() {
  local rc_file name summary total errors fails skipped notrun
  for rc_file in "$logs"/*.rc; do
    [ -e "$rc_file" ] || continue
    name=$(basename "$rc_file" .rc)
    [[ "$reported" == *" $name "* ]] && continue
    reported+="$name "
    echo "== $name"
    cat "$logs/$name.log"
    [ "$(cat "$rc_file")" -eq 0 ] || status=1
    summary=$(grep -E "Total: [0-9]+, Errors: [0-9]+, Failed: [0-9]+" "$logs/$name.log" | tail -n 1 || true)
    if [ -z "$summary" ]; then
      echo "$name: the runner ended without a summary" >&2
      failed=$((failed + 1)); status=1
      continue
    fi
    read -r total errors fails skipped notrun < <(echo "$summary" | sed -E 's/.*Total: ([0-9]+), Errors: ([0-9]+), Failed: ([0-9]+), Skipped: ([0-9]+), Not Run: ([0-9]+).*/\1 \2 \3 \4 \5/')
    passed=$((passed + total - errors - fails - skipped - notrun))
    failed=$((failed + errors + fails))
    [ $((errors + fails)) -eq 0 ] || status=1
  done
}

# Each lane that ends wakes the loop; `wait -n` answers 127 once no lane is left.
while wait -n || [ $? -ne 127 ]; do
  report_finished
done
report_finished
for name in "${projects[@]}"; do
  if [[ "$reported" != *" $name "* ]]; then
    echo "$name: the runner did not run to its end" >&2
    failed=$((failed + 1)); status=1
  fi
done

echo "$passed passed, $failed failed"
exit $status
