# shellcheck shell=bash disable=SC2034 # its constants are read by the scripts that source it
# Shared by backup.sh, backup_media.sh, restore.sh and deploy.sh (sourced, never run):
# logging, the compose command, the backup directory layout and database access either through
# DATABASE_URL or through the compose `db` service.
#
# The layout is the one src/Viatique.Api/Operations/BackupInventory.cs reads for check --deploy:
#   $BACKUP_DIR/db/viatique-YYYYMMDDTHHMMSSZ.sql.gz    a complete, gzip'd plain pg_dump
#   $BACKUP_DIR/media/YYYYMMDDTHHMMSSZ/                 a complete media snapshot
# Anything being written carries a dot-prefixed temporary name that matches neither pattern.

OPS_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OPS_DEFAULT_BACKUP_DIR=/var/backups/viatique
OPS_DB_FILE_GLOB='viatique-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.sql.gz'
OPS_SNAPSHOT_GLOB='[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z'
OPS_DUMP_TRAILER='-- PostgreSQL database dump complete'

log() {
	printf '%s [%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${OPS_SCRIPT:-ops}" "$*" >&2
}

die() {
	log "error: $*"
	exit 1
}

# Commands run when the script ends, however it ends (newest first): temporary files, scratch
# databases. Each entry is one shell command line, built with printf %q.
OPS_CLEANUP=()
ops_cleanup_add() {
	OPS_CLEANUP+=("$1")
}
ops_cleanup_run() {
	local i
	for ((i = ${#OPS_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${OPS_CLEANUP[i]}" || true
	done
	OPS_CLEANUP=()
}
trap ops_cleanup_run EXIT

# The UTC stamp that names a backup (DIR/PREFIX<stamp>SUFFIX); waits for the next second rather
# than reuse a name already taken.
ops_stamp_free() {
	local dir=$1 prefix=$2 suffix=$3 stamp
	for _ in 1 2 3; do
		stamp=$(date -u +%Y%m%dT%H%M%SZ)
		if [ ! -e "$dir/$prefix$stamp$suffix" ]; then
			printf '%s' "$stamp"
			return 0
		fi
		sleep 1
	done
	die "$dir/$prefix$stamp$suffix already exists: is another backup running?"
}

# mkdir -p that takes back, if the script fails, only the directories it created and only while
# they are still empty: a failed first run leaves the disk as it found it.
ops_make_folder() {
	local folder=$1 missing=() dir
	dir=$folder
	while [ ! -d "$dir" ]; do
		missing+=("$dir")
		dir=$(dirname "$dir")
	done
	mkdir -p -- "$folder" || die "cannot create $folder"
	local i
	for ((i = ${#missing[@]} - 1; i >= 0; i--)); do
		ops_cleanup_add "$(printf 'rmdir -- %q 2>/dev/null' "${missing[i]}")"
	done
}

# One run at a time per folder: a lock on the folder itself, so no lock file is left around.
ops_lock() {
	local folder=$1 fd
	exec {fd}<"$folder"
	flock -n "$fd" || die "another run is already writing to $folder"
}

# Any command that fails names itself, so no failure is silent. An assignment from a command
# substitution is left out: what failed inside it has already said why (die, or the tool itself);
# so is a function's own non-zero return, which its caller reports.
ops_on_error() {
	case "$2" in
		*=\$\(* | return\ *) ;;
		*) log "failed (exit $1): $2" ;;
	esac
}
trap 'ops_on_error $? "$BASH_COMMAND"' ERR

ops_require_command() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || die "$cmd is not installed (Debian: apt-get install $(ops_package_of "$cmd"))"
	done
}

ops_package_of() {
	case "$1" in
		pg_dump | psql) printf 'postgresql-client' ;;
		*) printf '%s' "$1" ;;
	esac
}

ops_positive_integer() {
	local name=$1 value=$2
	[[ $value =~ ^[0-9]+$ && $value -gt 0 ]] || die "$name must be a positive whole number of days, not '$value'"
}

# --- compose ------------------------------------------------------------------------------------

# `docker compose` (v2 plugin) when the machine has it, else `docker-compose` (v1.29).
OPS_COMPOSE=()
ops_compose_detect() {
	if [ ${#OPS_COMPOSE[@]} -gt 0 ]; then
		return 0
	fi
	if docker compose version >/dev/null 2>&1; then
		OPS_COMPOSE=(docker compose)
	elif command -v docker-compose >/dev/null 2>&1; then
		OPS_COMPOSE=(docker-compose)
	else
		die "neither 'docker compose' nor 'docker-compose' is installed; set DATABASE_URL to reach the database without compose"
	fi
}

# Runs compose on the production file; COMPOSE_FILE (colon-separated, compose's own variable)
# replaces it, e.g. to add an override file.
compose() {
	ops_compose_detect
	if [ -n "${COMPOSE_FILE:-}" ]; then
		"${OPS_COMPOSE[@]}" "$@"
	else
		[ -f "$OPS_REPO_ROOT/docker/docker-compose.prod.yml" ] || die "no compose file at $OPS_REPO_ROOT/docker/docker-compose.prod.yml (set COMPOSE_FILE, or DATABASE_URL to work without compose)"
		"${OPS_COMPOSE[@]}" -f "$OPS_REPO_ROOT/docker/docker-compose.prod.yml" "$@"
	fi
}

# --- database access ----------------------------------------------------------------------------
# Two modes: DATABASE_URL (or DATABASE_URL_FILE) set → the host's pg_dump/psql with the URL split
# into PG* variables (the password never appears in a process list); unset → the tools inside the
# compose `db` service, as its POSTGRES_USER, on its POSTGRES_DB.

OPS_DB_MODE=
OPS_DB_NAME=

ops_db_init() {
	local url=${DATABASE_URL:-}
	if [ -n "${DATABASE_URL_FILE:-}" ]; then
		[ -z "$url" ] || die "DATABASE_URL and DATABASE_URL_FILE are both set; keep one"
		[ -r "$DATABASE_URL_FILE" ] || die "DATABASE_URL_FILE names $DATABASE_URL_FILE, which cannot be read"
		url=$(<"$DATABASE_URL_FILE")
	fi
	if [ -n "$url" ]; then
		ops_require_command pg_dump psql
		ops_db_from_url "$url"
		OPS_DB_MODE=url
		OPS_DB_NAME=$PGDATABASE
	else
		ops_require_command docker
		OPS_DB_MODE=compose
		[ -n "$(compose ps -q db)" ] || die "the compose db service is not running (docker compose -f docker/docker-compose.prod.yml up -d db), or set DATABASE_URL"
		# shellcheck disable=SC2016 # expanded inside the db container, from its env_file
		OPS_DB_NAME=$(compose exec -T db sh -c 'printf %s "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"') \
			|| die "cannot read POSTGRES_DB from the compose db service"
	fi
	[ -n "$OPS_DB_NAME" ] || die "the database name is empty"
}

ops_url_decode() {
	local s=$1
	printf '%b' "${s//%/\\x}"
}

# Splits postgres://user:password@host:port/name?option=value into PG* variables, as
# dj_database_url and the host's own DatabaseUrl read it.
ops_db_from_url() {
	local url=$1 rest authority userinfo hostport query pair key value
	case "$url" in
		postgres://* | postgresql://*) ;;
		*) die "DATABASE_URL must start with postgres:// or postgresql:// (the value is not shown)" ;;
	esac
	rest=${url#*://}
	query=
	if [[ $rest == *\?* ]]; then
		query=${rest#*\?}
		rest=${rest%%\?*}
	fi
	authority=${rest%%/*}
	[[ $rest == */* ]] || die "DATABASE_URL names no database (postgresql://user:password@host:5432/NAME)"
	PGDATABASE=$(ops_url_decode "${rest#*/}")
	[ -n "$PGDATABASE" ] || die "DATABASE_URL names no database (postgresql://user:password@host:5432/NAME)"
	hostport=$authority
	if [[ $authority == *@* ]]; then
		userinfo=${authority%@*}
		hostport=${authority##*@}
		PGUSER=$(ops_url_decode "${userinfo%%:*}")
		if [[ $userinfo == *:* ]]; then
			PGPASSWORD=$(ops_url_decode "${userinfo#*:}")
			export PGPASSWORD
		fi
		export PGUSER
	fi
	if [[ $hostport == \[* ]]; then
		PGHOST=${hostport%%]*}
		PGHOST=${PGHOST#[}
		hostport=${hostport#*]}
		PGPORT=${hostport#:}
	else
		PGHOST=${hostport%%:*}
		PGPORT=
		[[ $hostport != *:* ]] || PGPORT=${hostport#*:}
	fi
	PGPORT=${PGPORT:-5432}
	PGHOST=${PGHOST:-localhost}
	export PGHOST PGPORT PGDATABASE
	# A database that does not answer fails in seconds instead of hanging the backup.
	export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}
	local -a pairs=()
	[ -z "$query" ] || IFS='&' read -ra pairs <<<"$query"
	for pair in "${pairs[@]}"; do
		key=${pair%%=*}
		value=$(ops_url_decode "${pair#*=}")
		case "$key" in
			sslmode) export PGSSLMODE=$value ;;
			sslrootcert) export PGSSLROOTCERT=$value ;;
			sslcert) export PGSSLCERT=$value ;;
			sslkey) export PGSSLKEY=$value ;;
			connect_timeout) export PGCONNECT_TIMEOUT=$value ;;
			application_name) export PGAPPNAME=$value ;;
			target_session_attrs) export PGTARGETSESSIONATTRS=$value ;;
			options) export PGOPTIONS=$value ;;
			*) die "DATABASE_URL has an option the host does not accept: $key" ;;
		esac
	done
}

# psql on database $1 (stops at the first error, reads no ~/.psqlrc); the rest are psql's arguments.
db_psql() {
	local database=$1
	shift
	if [ "$OPS_DB_MODE" = url ]; then
		PGDATABASE=$database psql -X -v ON_ERROR_STOP=1 -q "$@"
	else
		# shellcheck disable=SC2016 # expanded inside the db container
		compose exec -T db sh -c 'exec psql -U "${POSTGRES_USER:-postgres}" -X -v ON_ERROR_STOP=1 -q "$@"' psql -d "$database" "$@"
	fi
}

# A plain-format dump of the application's database on stdout. No owners or grants: a restore
# gives every object to the user who restores it (the application's own user).
db_dump() {
	if [ "$OPS_DB_MODE" = url ]; then
		pg_dump --no-owner --no-privileges --dbname="$OPS_DB_NAME"
	else
		# shellcheck disable=SC2016 # expanded inside the db container
		compose exec -T db sh -c 'exec pg_dump -U "${POSTGRES_USER:-postgres}" --no-owner --no-privileges "$1"' pg_dump "$OPS_DB_NAME"
	fi
}

db_exists() {
	local found
	found=$(db_psql postgres -At -v name="$1" <<<"SELECT 1 FROM pg_database WHERE datname = :'name'") || die "cannot reach the database server"
	[ "$found" = 1 ]
}

db_create() {
	db_psql postgres -v name="$1" <<<'CREATE DATABASE :"name"' >/dev/null
}

db_drop() {
	db_psql postgres -v name="$1" <<<'DROP DATABASE IF EXISTS :"name" WITH (FORCE)' >/dev/null
}

# --- dumps --------------------------------------------------------------------------------------

# A dump is whole when gzip's checksum holds and pg_dump's closing line is there; anything less
# (a copy cut short, a disk that filled up) is refused before a single statement runs.
dump_check_whole() {
	local file=$1 tail_lines
	[ -f "$file" ] || die "no backup file at $file"
	gzip -t "$file" 2>/dev/null || die "$file is truncated or corrupt (gzip check failed); nothing was restored"
	tail_lines=$(gzip -dc "$file" | tail -n 5)
	[[ $tail_lines == *"$OPS_DUMP_TRAILER"* ]] || die "$file is not a complete pg_dump (its closing line is missing); nothing was restored"
}

# "table<TAB>rows" for each table the dump fills, counted from its COPY blocks.
dump_row_counts() {
	gzip -dc "$1" | awk '
		/^COPY .* FROM stdin;$/ { table = substr($0, 6); sub(/ (\(.*\) )?FROM stdin;$/, "", table); rows = 0; copying = 1; next }
		copying && $0 == "\\." { printf "%s\t%d\n", table, rows; copying = 0; next }
		copying { rows++ }
	' | LC_ALL=C sort
}

# Restores dump $1 into database $2 in one transaction: on any error nothing is left behind.
# With $3 = replace, every schema of the database is dropped first, inside the same transaction.
dump_restore_into() {
	local file=$1 database=$2 replace=${3:-} drops=
	if [ "$replace" = replace ]; then
		drops=$(db_psql "$database" -At <<<"SELECT format('DROP SCHEMA %I CASCADE;', nspname) FROM pg_namespace
			WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'") || return 1
		drops=$'SET client_min_messages = warning;\n'$drops$'\nCREATE SCHEMA public;'
	fi
	{
		[ -z "$drops" ] || printf '%s\n' "$drops"
		gzip -dc "$file"
	} | db_psql "$database" --single-transaction >/dev/null
}

# Compares, table by table, the rows dump $1 holds with the rows database $2 holds.
dump_compare_counts() {
	local file=$1 database=$2 expected actual query
	expected=$(dump_row_counts "$file") || return 1
	if [ -z "$expected" ]; then
		log "the dump holds no table; nothing to count"
		return 0
	fi
	query=$(awk -F '\t' '{ label = $1; gsub(/'\''/, "'\'''\''", label); printf "%sSELECT '\''%s'\'', count(*) FROM %s\n", (NR > 1 ? "UNION ALL " : ""), label, $1 }' <<<"$expected")
	actual=$(db_psql "$database" -At -F $'\t' <<<"$query" | LC_ALL=C sort) || {
		log "cannot count the rows of $database"
		return 1
	}
	if [ "$expected" != "$actual" ]; then
		log "row counts differ (table: rows in the dump / rows in $database):"
		LC_ALL=C join -t $'\t' -a 1 -a 2 -e '?' -o 0,1.2,2.2 <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") \
			| awk -F '\t' '$2 != $3 { printf "  %s: %s / %s\n", $1, $2, $3 }' >&2
		return 1
	fi
	log "$(wc -l <<<"$expected") tables, $(awk -F '\t' '{ n += $2 } END { print n }' <<<"$expected") rows: the same counts in the dump and in $database"
}

# Proves dump $1: restores it into a scratch database (always dropped afterwards) and compares
# the row counts. The application's own database is not touched.
dump_verify() {
	local file=$1 scratch
	scratch=$(printf '%s_verify_%s' "$OPS_DB_NAME" "$(date -u +%Y%m%d%H%M%S)$$" | cut -c1-63)
	log "verify: restoring $(basename "$file") into the scratch database $scratch"
	db_create "$scratch" || die "cannot create the scratch database $scratch (the user needs CREATEDB)"
	ops_cleanup_add "$(printf 'db_drop %q || log %q' "$scratch" "could not drop the scratch database $scratch; drop it by hand")"
	dump_restore_into "$file" "$scratch" || {
		log "verify: the dump does not restore"
		return 1
	}
	dump_compare_counts "$file" "$scratch"
}

# Whether database $1 holds any table, view or sequence of its own.
db_is_empty() {
	local count
	count=$(db_psql "$1" -At <<<"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')") \
		|| die "cannot read the contents of $1"
	[ "$count" = 0 ]
}
