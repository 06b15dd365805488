#!/usr/bin/env bash
# Database restore from a backup.sh dump: checked whole before anything runs, applied in one
# transaction, then the row counts compared with the dump's.
set -Eeuo pipefail

OPS_SCRIPT=restore
# shellcheck source=docker/lib/ops.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ops.sh"

usage() {
	cat <<-EOF
		Usage: $0 [--verify | --replace] BACKUP

		Restores BACKUP (a viatique-*.sql.gz written by backup.sh, or "latest" for the newest one
		in the backup directory) into the application's database, which is created when it does
		not exist. A database that already holds tables is refused unless --replace is given.
		The dump is checked whole first and applied in a single transaction: a truncated or
		corrupt dump, or any failing statement, changes nothing.

		  --verify    restore into a scratch database instead, compare the row count of every
		              table with the dump's, and drop the scratch database; the application's
		              database is not touched (the restore drill)
		  --replace   drop everything the database holds and restore the backup in its place,
		              in the same transaction (stop backend, worker and scheduler first)
		  --dir DIR   backup directory for "latest" (default: \$BACKUP_DIR, else $OPS_DEFAULT_BACKUP_DIR)
		  -h, --help  this help

		Which database: DATABASE_URL (or DATABASE_URL_FILE) when set, with this machine's psql;
		otherwise the compose db service (docker/docker-compose.prod.yml, or COMPOSE_FILE), as its
		POSTGRES_USER on its POSTGRES_DB. Exit status 0 only when the restore and the count
		comparison succeeded.
	EOF
}

restore_resolve() {
	local backup=$1 dir=$2 newest
	if [ "$backup" != latest ]; then
		printf '%s' "$backup"
		return 0
	fi
	newest=$(find "$dir/db" -maxdepth 1 -type f -name "$OPS_DB_FILE_GLOB" 2>/dev/null | LC_ALL=C sort | tail -n 1)
	[ -n "$newest" ] || die "no backup in $dir/db"
	printf '%s' "$newest"
}

restore_into_application_database() {
	local file=$1 replace=$2
	if ! db_exists "$OPS_DB_NAME"; then
		log "database $OPS_DB_NAME does not exist; creating it"
		db_create "$OPS_DB_NAME" || die "cannot create database $OPS_DB_NAME"
	elif ! db_is_empty "$OPS_DB_NAME"; then
		[ -n "$replace" ] || die "database $OPS_DB_NAME is not empty; nothing was changed. Use --replace to drop its contents and restore $(basename "$file") in their place, or --verify to try the backup in a scratch database"
		log "replacing the contents of $OPS_DB_NAME (in one transaction)"
	fi
	log "restoring $(basename "$file") into $OPS_DB_NAME ($OPS_DB_MODE)"
	dump_restore_into "$file" "$OPS_DB_NAME" "${replace:+replace}" \
		|| die "the restore failed and was rolled back; $OPS_DB_NAME is as it was"
	dump_compare_counts "$file" "$OPS_DB_NAME" || die "restored, but the row counts differ from the dump's (see above)"
	log "restore complete: $OPS_DB_NAME now holds $(basename "$file")"
}

_main() {
	local dir=${BACKUP_DIR:-$OPS_DEFAULT_BACKUP_DIR} verify='' replace='' backup='' file
	while [ $# -gt 0 ]; do
		case "$1" in
			--verify) verify=1 ;;
			--replace) replace=1 ;;
			--dir) [ $# -ge 2 ] || die "--dir needs a directory"; dir=$2; shift ;;
			-h | --help) usage; return 0 ;;
			-*) usage >&2; die "unknown option: $1" ;;
			*) [ -z "$backup" ] || die "one backup at a time (got $backup and $1)"; backup=$1 ;;
		esac
		shift
	done
	[ -n "$backup" ] || { usage >&2; die "which backup? Give a file (or latest)"; }
	[ -z "$verify" ] || [ -z "$replace" ] || die "--verify never touches the database; --replace makes no sense with it"
	ops_require_command gzip awk join
	file=$(restore_resolve "$backup" "$dir")
	dump_check_whole "$file"
	ops_db_init

	if [ -n "$verify" ]; then
		dump_verify "$file" || die "$(basename "$file") did NOT pass the restore drill"
		log "$(basename "$file") passed the restore drill"
	else
		restore_into_application_database "$file" "$replace"
	fi
}

_main "$@"
