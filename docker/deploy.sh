#!/usr/bin/env bash
# Deploys the checked-out git revision onto the running compose stack, in the order of the
# rulebook §9.2: checklist, backups, build, migrate, rolling restart, health through the public
# URL. On any failure after the first container changed, every service goes back to the images
# that were running before, the same way, and the script says so.
set -Eeuo pipefail

OPS_SCRIPT=deploy
# shellcheck source=docker/lib/ops.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ops.sh"

readonly EXIT_ABORTED=1 EXIT_ROLLED_BACK=2 EXIT_ROLLBACK_FAILED=3

usage() {
	cat <<-EOF
		Usage: $0 [--dry-run] [--url URL] [--allow-dirty]

		Deploys the git revision checked out in $OPS_REPO_ROOT onto the running stack
		(docker/docker-compose.prod.yml, or COMPOSE_FILE), each step timed:
		  1. check --deploy      the pre-deployment checklist, with the running release (abort on error)
		  2. backups             docker/backup.sh --verify, then docker/backup_media.sh
		  3. build               the image, tagged with the git revision (\$VIATIQUE_IMAGE:<revision>)
		  4. migrate             with the new image (migrations are additive: the old release keeps working)
		  5. backend             rolling restart: one new replica started and healthy, then one old one
		                         stopped gracefully, and so on, nginx reloaded at each change
		  6. worker, scheduler   recreated on the new image, each healthy
		  7. nginx               reloaded
		  8. public health       GET URL/health/ answers "healthy", with retries
		Steps 1-4 change no running container: a failure there stops the deployment. A failure from
		step 5 on rolls every service back to the images running before (exit 2), and reports the
		failing container's last log lines. Afterwards \$VIATIQUE_IMAGE:latest names the release in
		service, so a plain 'compose up -d' keeps it.

		  --dry-run       print the plan with the commands it would run; run nothing
		  --url URL       public origin for step 8 (default: \$DEPLOY_URL, else the first origin of
		                  CSRF_TRUSTED_ORIGINS in .env.production, or in \$VIATIQUE_ENV_FILE)
		  --allow-dirty   deploy uncommitted changes (the tag becomes <revision>-dirty-<time>)
		  -h, --help      this help

		Environment: VIATIQUE_IMAGE (default viatique/api), BACKUP_DIR (host directory of the
		backups, default $OPS_DEFAULT_BACKUP_DIR), DEPLOY_HEALTH_TIMEOUT (seconds a container may take
		to become healthy, default 120), DEPLOY_STOP_TIMEOUT (seconds an old replica may take to
		finish its requests, default 35), DEPLOY_CURL_OPTS (extra curl options for step 8, e.g.
		--cacert FILE or --resolve HOST:PORT:ADDRESS).
		Output: the log, with what every step prints (the checklist's report, the build, the
		migrations), on standard error; standard output carries only --dry-run's plan.
		Exit status: 0 deployed; 1 stopped before any container changed; 2 failed and rolled back;
		3 failed and the rollback failed too (the report says what is running).
	EOF
}

# --- state of the stack -------------------------------------------------------------------------

IMAGE=${VIATIQUE_IMAGE:-viatique/api}
DRY_RUN=''
STEP_TIMES=()
STEP_FAILED=''

# Running containers of a compose service, oldest first.
service_containers() {
	local id
	for id in $(compose ps -q "$1" 2>/dev/null); do
		if [ "$(docker inspect -f '{{.State.Running}}' "$id" 2>/dev/null)" = true ]; then
			printf '%s %s\n' "$(docker inspect -f '{{.Created}}' "$id")" "$id"
		fi
	done | sort | cut -d' ' -f2
}

image_id() {
	docker image inspect -f '{{.Id}}' "$1" 2>/dev/null
}

container_image_id() {
	docker inspect -f '{{.Image}}' "$1"
}

# A tag of image id $1 other than latest, made up when it has none, so a rollback can name it.
release_tag_of() {
	local id=$1 tag
	tag=$(docker image inspect -f '{{range .RepoTags}}{{println .}}{{end}}' "$id" | sed -n "s|^$IMAGE:||p" | grep -vx latest | head -n 1 || true)
	if [ -z "$tag" ]; then
		tag=before-$(date -u +%Y%m%dT%H%M%SZ)
		docker tag "$id" "$IMAGE:$tag"
	fi
	printf '%s' "$tag"
}

git_revision() {
	local revision
	revision=$(git -C "$OPS_REPO_ROOT" rev-parse --short=12 HEAD) || die "$OPS_REPO_ROOT is not a git checkout; images are tagged by git revision"
	if [ -n "$(git -C "$OPS_REPO_ROOT" status --porcelain --untracked-files=no)" ]; then
		[ -n "$ALLOW_DIRTY" ] || die "uncommitted changes in $OPS_REPO_ROOT: commit them (images are tagged by git revision) or pass --allow-dirty"
		revision=$revision-dirty-$(date -u +%Y%m%dT%H%M%SZ)
	fi
	printf '%s' "$revision"
}

public_origin() {
	local env_file=${VIATIQUE_ENV_FILE:-../.env.production} origins
	# Like compose's env_file, a relative path is relative to the compose file's folder.
	[[ $env_file == /* ]] || env_file=$OPS_REPO_ROOT/docker/$env_file
	if [ -n "${DEPLOY_URL:-}" ]; then
		printf '%s' "${DEPLOY_URL%/}"
		return 0
	fi
	[ -r "$env_file" ] || die "no --url, no DEPLOY_URL and no $env_file to read CSRF_TRUSTED_ORIGINS from"
	origins=$(sed -n 's/^CSRF_TRUSTED_ORIGINS=//p' "$env_file" | tail -n 1 | tr -d '"'"'")
	[ -n "$origins" ] || die "CSRF_TRUSTED_ORIGINS is empty in $env_file; give --url"
	printf '%s' "${origins%%,*}"
}

# --- steps --------------------------------------------------------------------------------------

# Runs one step, timed (the plan alone with --dry-run). A failed step is recorded in STEP_FAILED
# and later steps are skipped. Callers call it as a plain command, never as `step … || …`: bash
# ignores `set -e` inside anything run from such a list, so a step could run on past a failure.
# The step runs in a child of its own, which keeps `set -e`.
step() {
	local name=$1 started status=0 child took
	shift
	[ -z "$STEP_FAILED" ] || return 0
	if [ -n "$DRY_RUN" ]; then
		printf '%-18s %s\n' "$name" "$(plan_of "$@")"
		return 0
	fi
	log "==> $name"
	started=$(date +%s%N)
	# The step's own output joins the script's log on stderr: the deployment's record (a
	# failed checklist's report above all) is whole in one stream.
	"$@" </dev/null >&2 &
	child=$!
	# Ctrl-C or TERM ends the step (then the usual failure path: abort, or roll back) instead of
	# leaving it running beside the rollback.
	# shellcheck disable=SC2064 # the child's pid is fixed now
	trap "kill -TERM $child 2>/dev/null || true" INT TERM
	wait "$child" || status=$?
	while kill -0 "$child" 2>/dev/null; do
		wait "$child" || status=$?
	done
	trap - INT TERM
	took=$(awk -v ns=$(($(date +%s%N) - started)) 'BEGIN { printf "%.1f", ns / 1e9 }')
	if [ "$status" = 0 ]; then
		STEP_TIMES+=("$(printf '%-18s %7s s  ok' "$name" "$took")")
		log "<== $name: ok in $took s"
	else
		STEP_TIMES+=("$(printf '%-18s %7s s  FAILED' "$name" "$took")")
		log "<== $name: FAILED after $took s"
		STEP_FAILED=$name
	fi
}

plan_of() {
	case "$1" in
		run_check) printf 'compose run --rm --no-deps -T -v %s:/backups:ro -e BACKUP_DIR=/backups -v <nginx /etc/letsencrypt>:/etc/letsencrypt:ro backend check --deploy   (image %s)' "$BACKUP_DIR" "$IMAGE:$PREVIOUS_TAG" ;;
		run_backups) printf '%s --verify; %s' "$OPS_REPO_ROOT/docker/backup.sh" "$OPS_REPO_ROOT/docker/backup_media.sh" ;;
		run_build) printf 'VIATIQUE_TAG=%s compose build backend' "$2" ;;
		run_migrate) printf 'VIATIQUE_TAG=%s compose run --rm --no-deps -T backend migrate' "$2" ;;
		roll_backend) printf 'for each of the %s running replicas: compose up -d --no-deps --no-recreate --scale backend=N+1 backend (VIATIQUE_TAG=%s), wait healthy, nginx -s reload, docker stop -t %s OLD, docker rm OLD, nginx -s reload' "$REPLICAS" "$2" "$STOP_TIMEOUT" ;;
		roll_background) printf 'VIATIQUE_TAG=%s compose up -d --no-deps --no-build worker scheduler (those running), wait healthy' "$2" ;;
		nginx_reload) printf 'compose exec -T nginx nginx -s reload' ;;
		public_health) printf 'curl %s/health/ until "healthy" (12 tries, 5 s apart)' "$URL" ;;
		*) printf '%s' "$*" ;;
	esac
}

run_check() {
	# The running release's image runs the checklist. It sees what it checks: the host backup
	# directory where the image expects BACKUP_DIR, and nginx's certificates where nginx has them.
	local -a mounts=(-v "$BACKUP_DIR:/backups:ro" -e BACKUP_DIR=/backups) nginx certificates
	nginx=$(service_containers nginx | head -n 1)
	if [ -n "$nginx" ]; then
		certificates=$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/etc/letsencrypt"}}{{.Source}}{{end}}{{end}}' "$nginx")
		[ -z "$certificates" ] || mounts+=(-v "$certificates:/etc/letsencrypt:ro")
	fi
	VIATIQUE_TAG=$PREVIOUS_TAG compose run --rm --no-deps -T "${mounts[@]}" backend check --deploy
}

run_backups() {
	BACKUP_DIR=$BACKUP_DIR "$OPS_REPO_ROOT/docker/backup.sh" --verify
	BACKUP_DIR=$BACKUP_DIR "$OPS_REPO_ROOT/docker/backup_media.sh"
}

run_build() {
	VIATIQUE_TAG=$1 compose build backend
	image_id "$IMAGE:$1" >/dev/null || die "the build did not produce $IMAGE:$1 (does the compose file name the image \${VIATIQUE_IMAGE:-viatique/api}:\${VIATIQUE_TAG:-latest}?)"
}

run_migrate() {
	VIATIQUE_TAG=$1 compose run --rm --no-deps -T backend migrate
}

nginx_reload() {
	compose exec -T nginx nginx -s reload >/dev/null
}

# The container's own HEALTHCHECK command, run now rather than at its next interval.
container_healthy() {
	local id=$1 kind
	local -a test=()
	[ "$(docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null)" != healthy ] || return 0
	kind=$(docker inspect -f '{{if .Config.Healthcheck}}{{index .Config.Healthcheck.Test 0}}{{end}}' "$id")
	mapfile -t test < <(docker inspect -f '{{range $i, $a := .Config.Healthcheck.Test}}{{if $i}}{{println $a}}{{end}}{{end}}' "$id")
	case "$kind" in
		CMD) docker exec "$id" "${test[@]}" >/dev/null 2>&1 ;;
		CMD-SHELL) docker exec "$id" sh -c "${test[0]}" >/dev/null 2>&1 ;;
		*) die "container $(container_name "$id") has no healthcheck; the deployment cannot tell when it is ready" ;;
	esac
}

container_name() {
	docker inspect -f '{{.Name}}' "$1" | sed 's|^/||'
}

wait_healthy() {
	local id=$1 deadline=$((SECONDS + HEALTH_TIMEOUT))
	while :; do
		if [ "$(docker inspect -f '{{.State.Running}}' "$id" 2>/dev/null)" != true ]; then
			log "$(container_name "$id") stopped (exit code $(docker inspect -f '{{.State.ExitCode}}' "$id")); its last lines:"
			docker logs --tail 30 "$id" 2>&1 | sed 's/^/    /' >&2
			return 1
		fi
		if container_healthy "$id"; then
			log "$(container_name "$id") is healthy"
			return 0
		fi
		if ((SECONDS >= deadline)); then
			log "$(container_name "$id") is not healthy after $HEALTH_TIMEOUT s; its last lines:"
			docker logs --tail 30 "$id" 2>&1 | sed 's/^/    /' >&2
			return 1
		fi
		sleep 2
	done
}

stop_and_remove() {
	local id=$1 name
	name=$(container_name "$id")
	docker stop -t "$STOP_TIMEOUT" "$id" >/dev/null
	docker rm "$id" >/dev/null
	log "$name stopped and removed"
}

# Replaces, one at a time, every running backend replica not on image $1 by one that is, each
# new replica healthy before an old one stops: the service never has fewer healthy replicas.
roll_backend() {
	local tag=$1 target old before after new count
	target=$(image_id "$IMAGE:$tag") || die "no image $IMAGE:$tag"
	for old in $(service_containers backend); do
		[ "$(container_image_id "$old")" != "$target" ] || continue
		before=$(compose ps -q backend | sort)
		count=$(service_containers backend | wc -l)
		VIATIQUE_TAG=$tag compose up -d --no-deps --no-recreate --no-build --scale "backend=$((count + 1))" backend
		after=$(compose ps -q backend | sort)
		new=$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -n 1)
		[ -n "$new" ] || die "compose started no new backend replica"
		log "started $(container_name "$new") on $IMAGE:$tag; waiting until it is healthy"
		if ! wait_healthy "$new"; then
			stop_and_remove "$new"
			return 1
		fi
		nginx_reload
		stop_and_remove "$old"
		nginx_reload
	done
}

# Worker and scheduler run one container each: recreated on image $1, each healthy. A background
# service that is not running (a stack without jobs) is left alone.
roll_background() {
	local tag=$1 service id
	local -a services=()
	for service in worker scheduler; do
		if [ -n "$(service_containers "$service")" ]; then
			services+=("$service")
		else
			log "$service is not running; left alone"
		fi
	done
	[ ${#services[@]} -gt 0 ] || return 0
	VIATIQUE_TAG=$tag compose up -d --no-deps --no-build "${services[@]}"
	for service in "${services[@]}"; do
		id=$(service_containers "$service" | tail -n 1)
		[ -n "$id" ] || { log "no running $service container"; return 1; }
		wait_healthy "$id" || return 1
	done
}

public_health() {
	local attempt body
	local -a curl_opts=()
	[ -z "${DEPLOY_CURL_OPTS:-}" ] || read -ra curl_opts <<<"$DEPLOY_CURL_OPTS"
	for attempt in $(seq 1 12); do
		if body=$(curl -fsS --max-time 5 "${curl_opts[@]}" "$URL/health/" 2>&1) && [[ $body == *'"status":"healthy"'* ]]; then
			log "$URL/health/ answers: $body"
			return 0
		fi
		log "$URL/health/ not healthy yet (try $attempt of 12): $body"
		sleep 5
	done
	return 1
}

# The same procedure back to the images that ran before; STEP_FAILED says whether it worked.
rollback() {
	log "rolling back to $IMAGE:$PREVIOUS_TAG"
	STEP_FAILED=''
	step "rollback backend" roll_backend "$PREVIOUS_TAG"
	step "rollback workers" roll_background "$PREVIOUS_TAG"
	step "rollback nginx" nginx_reload
	step "rollback health" public_health
}

report() {
	local outcome=$1
	log "---- deployment report: $outcome"
	local line
	for line in "${STEP_TIMES[@]}"; do
		log "  $line"
	done
	log "  running now: $(for s in backend worker scheduler; do for id in $(service_containers "$s"); do printf '%s=%s ' "$(container_name "$id")" "$(docker inspect -f '{{.Config.Image}}' "$id")"; done; done)"
}

# --- main ---------------------------------------------------------------------------------------

_main() {
	ALLOW_DIRTY=''
	URL=''
	while [ $# -gt 0 ]; do
		case "$1" in
			--dry-run) DRY_RUN=1 ;;
			--url) [ $# -ge 2 ] || die "--url needs the public origin, e.g. https://viatique.example.com"; URL=${2%/}; shift ;;
			--allow-dirty) ALLOW_DIRTY=1 ;;
			-h | --help) usage; return 0 ;;
			*) usage >&2; die "unknown argument: $1" ;;
		esac
		shift
	done
	BACKUP_DIR=$(realpath -m -- "${BACKUP_DIR:-$OPS_DEFAULT_BACKUP_DIR}")
	HEALTH_TIMEOUT=${DEPLOY_HEALTH_TIMEOUT:-120}
	STOP_TIMEOUT=${DEPLOY_STOP_TIMEOUT:-35}
	ops_positive_integer DEPLOY_HEALTH_TIMEOUT "$HEALTH_TIMEOUT"
	ops_positive_integer DEPLOY_STOP_TIMEOUT "$STOP_TIMEOUT"
	ops_require_command git curl
	[ -n "$URL" ] || URL=$(public_origin)
	RELEASE=$(git_revision)
	if [ -z "$DRY_RUN" ]; then
		ops_require_command docker
		ops_compose_detect
	elif ! (ops_compose_detect) 2>/dev/null; then
		OPS_COMPOSE=('(no compose installed)')
	else
		ops_compose_detect
	fi

	PREVIOUS_TAG='none-running'
	REPLICAS=0
	local previous_id=''
	if command -v docker >/dev/null 2>&1 && [ "${OPS_COMPOSE[0]}" != '(no compose installed)' ] && docker info >/dev/null 2>&1; then
		local running
		running=$(service_containers backend | head -n 1)
		REPLICAS=$(service_containers backend | wc -l)
		if [ -n "$running" ]; then
			previous_id=$(container_image_id "$running")
			if [ -n "$DRY_RUN" ]; then
				PREVIOUS_TAG=$(docker inspect -f '{{.Config.Image}}' "$running" | sed "s|^$IMAGE:||")
			else
				PREVIOUS_TAG=$(release_tag_of "$previous_id")
			fi
		fi
	elif [ -z "$DRY_RUN" ]; then
		die "the Docker engine does not answer (docker info)"
	fi

	if [ -n "$DRY_RUN" ]; then
		printf 'Deployment plan (dry run: nothing is run)\n'
		printf '  release   %s:%s (git %s)\n  previous  %s:%s\n  replicas  %s\n  public    %s\n  compose   %s\n\n' \
			"$IMAGE" "$RELEASE" "$(git -C "$OPS_REPO_ROOT" rev-parse HEAD)" "$IMAGE" "$PREVIOUS_TAG" "$REPLICAS" "$URL" "${OPS_COMPOSE[*]}"
	else
		[ -n "$previous_id" ] || die "no backend is running: deploy.sh upgrades a running stack (first start: see README, Deploying)"
		local fd
		exec {fd}<"$OPS_REPO_ROOT/docker"
		flock -n "$fd" || die "another deployment is running"
		log "deploying $IMAGE:$RELEASE over $IMAGE:$PREVIOUS_TAG ($REPLICAS backend replicas, public URL $URL)"
	fi

	step "1 check --deploy" run_check
	step "2 backups" run_backups
	step "3 build" run_build "$RELEASE"
	step "4 migrate" run_migrate "$RELEASE"
	if [ -n "$STEP_FAILED" ]; then
		# Nothing running was touched: no rollback.
		report "ABORTED at step $STEP_FAILED; no container changed"
		return $EXIT_ABORTED
	fi
	step "5 backend" roll_backend "$RELEASE"
	step "6 worker,scheduler" roll_background "$RELEASE"
	step "7 nginx reload" nginx_reload
	step "8 public health" public_health
	if [ -z "$STEP_FAILED" ]; then
		if [ -z "$DRY_RUN" ]; then
			docker tag "$IMAGE:$RELEASE" "$IMAGE:latest"
			report "DEPLOYED $IMAGE:$RELEASE (previous: $IMAGE:$PREVIOUS_TAG; to go back, check out that revision and run this script again)"
		fi
		return 0
	fi
	local failed=$STEP_FAILED
	rollback
	if [ -z "$STEP_FAILED" ]; then
		docker tag "$IMAGE:$PREVIOUS_TAG" "$IMAGE:latest"
		report "FAILED at step $failed and ROLLED BACK to $IMAGE:$PREVIOUS_TAG; migrations of $RELEASE stay applied (the backup taken in step 2 is the way back if they must go)"
		return $EXIT_ROLLED_BACK
	fi
	report "FAILED at step $failed, and the ROLLBACK to $IMAGE:$PREVIOUS_TAG FAILED too ($STEP_FAILED): fix by hand (docker ps; VIATIQUE_TAG=$PREVIOUS_TAG compose up -d)"
	return $EXIT_ROLLBACK_FAILED
}

_main "$@"
