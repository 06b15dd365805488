#!/usr/bin/env bash
# Media backup: a dated snapshot of the uploads under $BACKUP_DIR/media. Truly incremental: a
# file unchanged since the previous snapshot is a hard link to it, so each snapshot is complete
# on its own yet costs only the files that changed.
set -Eeuo pipefail

OPS_SCRIPT=backup_media
# shellcheck source=docker/lib/ops.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ops.sh"

usage() {
	cat <<-EOF
		Usage: $0 [--source DIR] [--dir DIR] [--keep-days N]

		Copies the media files to DIR/media/YYYYMMDDTHHMMSSZ/ (UTC). Files unchanged since the
		newest earlier snapshot are hard-linked to it instead of copied. The snapshot appears
		under that name only once it is complete; a failed run leaves nothing behind and deletes
		nothing. After a successful snapshot, snapshots older than N days are removed (a file
		still shared with a newer snapshot stays there).

		  --source DIR    the media directory to back up (default: \$MEDIA_BACKUP_SOURCE, else
		                  the volume mounted at MEDIA_ROOT in the compose backend service)
		  --dir DIR       backup directory (default: \$BACKUP_DIR, else $OPS_DEFAULT_BACKUP_DIR)
		  --keep-days N   retention in days (default: \$BACKUP_KEEP_DAYS, else 30)
		  -h, --help      this help
	EOF
}

# The host directory behind MEDIA_ROOT in a running backend container of the compose project.
media_source_from_compose() {
	local container media_root source
	ops_require_command docker
	container=$(compose ps -q backend | head -n 1)
	[ -n "$container" ] || die "no running backend service to find the media volume from; give --source DIR"
	media_root=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$container" | sed -n 's/^MEDIA_ROOT=//p')
	media_root=${media_root:-/app/media}
	source=$(docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$media_root\"}}{{.Source}}{{end}}{{end}}" "$container")
	[ -n "$source" ] || die "MEDIA_ROOT ($media_root) is not a volume of the backend container; give --source DIR"
	printf '%s' "$source"
}

media_snapshot() {
	local source=$1 previous=$2 partial=$3 status=0 stats
	local -a link=()
	[ -z "$previous" ] || link=(--link-dest="$previous")
	ops_cleanup_add "$(printf 'rm -rf -- %q' "$partial")"
	stats=$(rsync -a --delete --stats "${link[@]}" -- "$source/" "$partial/") || status=$?
	# 24: a file vanished while being copied (an upload deleted meanwhile); the snapshot is good.
	case "$status" in
		0) ;;
		24) log "some files vanished during the copy (deleted meanwhile); the snapshot is consistent without them" ;;
		*) die "rsync failed (exit $status); no snapshot was written and none was deleted" ;;
	esac
	log "$(awk -F': ' '/^Number of files:/ { split($2, f, " "); total = f[1] } /^Number of regular files transferred:/ { copied = $2 } END { printf "%s files and directories, %s files copied, the rest hard-linked", total, copied }' <<<"$stats")"
	# rsync -a gives the snapshot the source directory's date; its own date is when it was taken.
	touch -- "$partial"
}

media_prune() {
	local folder=$1 keep_days=$2 keep=$3 old
	while IFS= read -r -d '' old; do
		[ "$old" != "$keep" ] || continue
		rm -rf -- "$old"
		log "removed snapshot $(basename "$old") (older than $keep_days days)"
	done < <(find "$folder" -mindepth 1 -maxdepth 1 -type d -name "$OPS_SNAPSHOT_GLOB" -mmin +$((keep_days * 1440)) -print0)
}

_main() {
	local dir=${BACKUP_DIR:-$OPS_DEFAULT_BACKUP_DIR} keep_days=${BACKUP_KEEP_DAYS:-30} source=${MEDIA_BACKUP_SOURCE:-}
	while [ $# -gt 0 ]; do
		case "$1" in
			--source) [ $# -ge 2 ] || die "--source needs a directory"; source=$2; shift ;;
			--dir) [ $# -ge 2 ] || die "--dir needs a directory"; dir=$2; shift ;;
			--keep-days) [ $# -ge 2 ] || die "--keep-days needs a number"; keep_days=$2; shift ;;
			-h | --help) usage; return 0 ;;
			*) usage >&2; die "unknown argument: $1" ;;
		esac
		shift
	done
	ops_positive_integer --keep-days "$keep_days"
	ops_require_command rsync find
	[ -n "$source" ] || source=$(media_source_from_compose)
	[ -d "$source" ] || die "the media directory $source does not exist"
	source=$(cd "$source" && pwd)

	local folder=$dir/media previous stamp partial final
	# Listable folders (check --deploy reads the dates as the container's user); the snapshot's
	# files keep the media files' own owners and modes.
	ops_make_folder "$folder"
	folder=$(cd "$folder" && pwd)
	ops_lock "$folder"
	# Left by a run that was killed (the lock says none is running now).
	find "$folder" -mindepth 1 -maxdepth 1 -type d -name '.partial-*' -exec rm -rf -- {} +
	previous=$(find "$folder" -mindepth 1 -maxdepth 1 -type d -name "$OPS_SNAPSHOT_GLOB" | LC_ALL=C sort | tail -n 1)
	stamp=$(ops_stamp_free "$folder" '' '')
	final=$folder/$stamp
	partial=$folder/.partial-$stamp

	log "snapshot of $source to $final${previous:+ (unchanged files linked to $(basename "$previous"))}"
	media_snapshot "$source" "$previous" "$partial"
	mv -T -- "$partial" "$final" || die "could not name the snapshot $final"
	sync "$folder"
	log "media backup complete: $final"
	media_prune "$folder" "$keep_days" "$final"
}

_main "$@"
