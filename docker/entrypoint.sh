#!/usr/bin/env bash
# Entrypoint of the Viatique image: the container's command is its role.
#   serve (default)     wait for the database, apply migrations, then run the web API
#   worker, scheduler   wait for the database and for the schema (migrated by the web role), then run
#   migrate, check, healthcheck, createsuperuser, … any other verb of the host, run as is
#   an executable (sh, /app/…)   run as is
# The database is the one DATABASE_URL (or DATABASE_URL_FILE) names; the host parses it, so this
# script never handles the password. Every wait is bounded and logs its progress.
# Environment: DATABASE_WAIT_TIMEOUT (seconds, default 60), SCHEMA_WAIT_TIMEOUT (seconds, default 300).
set -Eeuo pipefail

readonly APP=/app/Viatique.Api

log() {
	printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$*" >&2
}

usage() {
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
}

docker_verify_minimum_env() {
	local name
	for name in DATABASE_WAIT_TIMEOUT SCHEMA_WAIT_TIMEOUT; do
		if [[ -n "${!name:-}" && ! "${!name}" =~ ^[0-9]+$ ]]; then
			log "error: $name must be a number of seconds, got '${!name}'"
			exit 64
		fi
	done
}

# The web role migrates. Several replicas may start at once: the host serialises them with a
# PostgreSQL advisory lock, so one applies the migrations and the others find nothing to do.
docker_migrate() {
	log "waiting for the database (at most ${DATABASE_WAIT_TIMEOUT:-60} s), then applying migrations"
	if ! "$APP" migrate --timeout "${DATABASE_WAIT_TIMEOUT:-60}"; then
		log "error: migrations did not complete; check DATABASE_URL and that the database is up"
		exit 1
	fi
}

# Background roles never migrate: they wait until the web role has.
docker_wait_for_schema() {
	local timeout="${SCHEMA_WAIT_TIMEOUT:-300}" started=$SECONDS attempt=0
	log "waiting for the database schema to be current (at most ${timeout} s)"
	until "$APP" migrate --check --timeout "${DATABASE_WAIT_TIMEOUT:-60}" >/dev/null; do
		attempt=$((attempt + 1))
		if ((SECONDS - started >= timeout)); then
			log "error: the schema is still not current after ${timeout} s; is the backend (web role) running its migrations?"
			exit 1
		fi
		log "schema not current yet (attempt $attempt, $((SECONDS - started)) of ${timeout} s spent)"
		sleep 2
	done
	log "schema is current"
}

_main() {
	if (($# == 0)); then
		set -- serve
	fi
	case "$1" in
		--help | -h)
			usage
			exit 0
			;;
		serve)
			docker_verify_minimum_env
			docker_migrate
			log "starting the web API"
			exec "$APP" "$@"
			;;
		worker | scheduler)
			docker_verify_minimum_env
			docker_wait_for_schema
			log "starting the $1"
			exec "$APP" "$@"
			;;
	esac
	# Anything that is a program runs as given; any other word is a verb of the host.
	if [[ "$1" == */* ]] || command -v "$1" >/dev/null 2>&1; then
		exec "$@"
	fi
	exec "$APP" "$@"
}

_main "$@"
