#!/bin/sh
# Entrypoint of the certbot service (docker/docker-compose.prod.yml mounts this folder at
# /etc/viatique-nginx). Verbs:
#   renew-loop (default)  make the placeholder certificate if there is none, then `certbot renew`
#                         every RENEW_INTERVAL seconds (default 43200, twice a day)
#   issue [ARGS…]         the one-shot first issuance for $DOMAIN through the webroot challenge
#                         nginx serves on port 80; ARGS go to certbot (--staging, --server URL…)
#   renew [ARGS…]         one renewal now, without certbot's random delay (e.g. --force-renewal)
#   anything else         certbot with those arguments
# After each issuance or renewal the deploy hook writes a stamp nginx watches: nginx reloads.
# Environment: DOMAIN (required), CERTBOT_EMAIL (required by issue), RENEW_INTERVAL.
set -eu

readonly letsencrypt=/etc/letsencrypt
readonly webroot=/var/www/certbot
readonly stamp=$letsencrypt/viatique-reload.stamp
# certbot runs the hook with sh -c; it records it in the renewal configuration too.
readonly deploy_hook="echo \$(date -u +%Y%m%dT%H%M%SZ)-\$(od -An -N4 -tu4 /dev/urandom | tr -d ' ') > $stamp"

log() {
	printf '%s [certbot] %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$*" >&2
}

certbot_verify_env() {
	if [ -z "${DOMAIN:-}" ]; then
		log "error: DOMAIN is not set; set it to the site's name in .env.production"
		exit 64
	fi
}

# Self-signed, one day, only until the first issuance: nginx needs a certificate to start.
ensure_placeholder() {
	live=$letsencrypt/live/$DOMAIN
	placeholder=$letsencrypt/placeholder/$DOMAIN
	if [ -s "$live/fullchain.pem" ] || [ -s "$placeholder/fullchain.pem" ]; then
		return 0
	fi
	mkdir -p "$placeholder"
	openssl req -x509 -nodes -newkey rsa:2048 -days 1 -subj "/CN=$DOMAIN/O=Viatique placeholder" \
		-keyout "$placeholder/privkey.pem.tmp" -out "$placeholder/fullchain.pem.tmp" 2>/dev/null
	mv "$placeholder/privkey.pem.tmp" "$placeholder/privkey.pem"
	mv "$placeholder/fullchain.pem.tmp" "$placeholder/fullchain.pem"
	log "created a self-signed placeholder certificate for $DOMAIN; run the issue command to get the real one"
}

issue() {
	if [ -z "${CERTBOT_EMAIL:-}" ]; then
		log "error: CERTBOT_EMAIL is not set; Let's Encrypt sends expiry notices there"
		exit 64
	fi
	mkdir -p "$webroot"
	log "requesting a certificate for $DOMAIN through $webroot (HTTP-01 on port 80)"
	certbot certonly --webroot --webroot-path "$webroot" --domain "$DOMAIN" \
		--email "$CERTBOT_EMAIL" --agree-tos --no-eff-email --non-interactive \
		--keep-until-expiring --deploy-hook "$deploy_hook" "$@"
}

renew_loop() {
	ensure_placeholder
	trap 'exit 0' TERM INT
	while :; do
		certbot renew --webroot --webroot-path "$webroot" --non-interactive --deploy-hook "$deploy_hook" \
			|| log "renewal failed; retrying in ${RENEW_INTERVAL:-43200} s"
		sleep "${RENEW_INTERVAL:-43200}" &
		wait $!
	done
}

_main() {
	verb=${1:-renew-loop}
	[ $# -eq 0 ] || shift
	case "$verb" in
		--help | -h)
			sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
			;;
		renew-loop)
			certbot_verify_env
			renew_loop
			;;
		issue)
			certbot_verify_env
			issue "$@"
			;;
		renew)
			# Asked for now: without the random delay (up to 8 min) certbot adds when no one watches.
			certbot renew --webroot --webroot-path "$webroot" --non-interactive --no-random-sleep-on-renew \
				--deploy-hook "$deploy_hook" "$@"
			;;
		*)
			exec certbot "$verb" "$@"
			;;
	esac
}

_main "$@"
