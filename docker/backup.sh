#!/usr/bin/env bash
# Database backup: pg_dump of the compose `db` service (or of DATABASE_URL), gzip'd, written
# atomically under $BACKUP_DIR/db, optionally proven by a restore, then old backups pruned.
set -Eeuo pipefail

OPS_SCRIPT=backup
# shellcheck source=docker/lib/ops.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ops.sh"

usage() {
	cat <<-EOF
		Usage: $0 [--verify] [--dir DIR] [--keep-days N]

		Dumps the application's database to DIR/db/viatique-YYYYMMDDTHHMMSSZ.sql.gz (UTC). The
		file appears under that name only once it is complete; a failed run leaves no file behind
		and deletes nothing. After a successful backup, backups older than N days are removed.

		  --verify        restore the new dump into a scratch database and compare the row count
		                  of every table with the dump's; a dump that fails is not kept
		  --dir DIR       backup directory (default: \$BACKUP_DIR, else $OPS_DEFAULT_BACKUP_DIR)
		  --keep-days N   retention in days (default: \$BACKUP_KEEP_DAYS, else 30)
		  -h, --help      this help

		Which database: DATABASE_URL (or DATABASE_URL_FILE) when set, dumped with this machine's
		pg_dump; otherwise the compose db service (docker/docker-compose.prod.yml, or COMPOSE_FILE),
		dumped inside its container as its POSTGRES_USER. Exit status 0 only when the backup (and,
		with --verify, its restore) succeeded.
	EOF
}

backup_write() {
	local partial=$1 final=$2
	log "dumping database $OPS_DB_NAME ($OPS_DB_MODE) to $final"
	ops_cleanup_add "$(printf 'rm -f -- %q' "$partial")"
	db_dump | gzip -c >"$partial" || die "pg_dump of $OPS_DB_NAME failed; no backup was written and none was deleted"
	dump_check_whole "$partial"
	# On disk before it gets its real name, so a crash never leaves a complete-looking empty file.
	sync "$partial"
}

backup_prune() {
	local folder=$1 keep_days=$2 old
	while IFS= read -r -d '' old; do
		rm -f -- "$old"
		log "removed $(basename "$old") (older than $keep_days days)"
	done < <(find "$folder" -maxdepth 1 -type f -name "$OPS_DB_FILE_GLOB" -mmin +$((keep_days * 1440)) -print0)
}

_main() {
	local dir=${BACKUP_DIR:-$OPS_DEFAULT_BACKUP_DIR} keep_days=${BACKUP_KEEP_DAYS:-30} verify=''
	while [ $# -gt 0 ]; do
		case "$1" in
			--verify) verify=1 ;;
			--dir) [ $# -ge 2 ] || die "--dir needs a directory"; dir=$2; shift ;;
			--keep-days) [ $# -ge 2 ] || die "--keep-days needs a number"; keep_days=$2; shift ;;
			-h | --help) usage; return 0 ;;
			*) usage >&2; die "unknown argument: $1" ;;
		esac
		shift
	done
	ops_positive_integer --keep-days "$keep_days"
	ops_require_command gzip find
	ops_db_init

	local folder=$dir/db stamp partial final
	ops_make_folder "$folder"
	# The folders stay listable (check --deploy reads the dates as the container's user); each
	# dump is readable by its owner only.
	umask 077
	ops_lock "$folder"
	# Left by a run that was killed (the lock says none is running now).
	find "$folder" -maxdepth 1 -type f -name '.viatique-*.sql.gz.partial' -delete
	stamp=$(ops_stamp_free "$folder" viatique- .sql.gz)
	final=$folder/viatique-$stamp.sql.gz
	partial=$folder/.viatique-$stamp.sql.gz.partial

	backup_write "$partial" "$final"
	if [ -n "$verify" ]; then
		dump_verify "$partial" || die "the new dump did not restore identically; it was removed and no backup was deleted"
	fi
	mv -n -- "$partial" "$final"
	if [ -e "$partial" ] || [ ! -f "$final" ]; then
		die "could not name the backup $final"
	fi
	sync "$folder"
	log "backup complete: $final ($(du -h "$final" | cut -f1))"
	backup_prune "$folder" "$keep_days"
}

_main "$@"
