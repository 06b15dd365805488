#!/bin/sh
# Entrypoint of the nginx service (docker/docker-compose.prod.yml mounts this folder at
# /etc/viatique-nginx). Renders the configuration for $DOMAIN with the live certificate when
# certbot has issued one, otherwise with the self-signed placeholder the certbot service made at
# its first start, so nginx runs before the first issuance (the rulebook's nginx could not start).
# Then it watches the stamp certbot's deploy hook writes after each issuance or renewal, and
# re-renders and reloads nginx when it changes (the rulebook never reloaded nginx).
# Environment: DOMAIN (required), UPSTREAM, CERT_POLL_SECONDS (default 30); see render.sh.
set -eu

readonly here=/etc/viatique-nginx
readonly letsencrypt=/etc/letsencrypt
readonly stamp=$letsencrypt/viatique-reload.stamp

log() {
	printf '%s [nginx-entrypoint] %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$*" >&2
}

# The live certificate if there is one, else the placeholder.
choose_certificate() {
	live=$letsencrypt/live/$DOMAIN
	placeholder=$letsencrypt/placeholder/$DOMAIN
	if [ -s "$live/fullchain.pem" ] && [ -s "$live/privkey.pem" ]; then
		SSL_CERTIFICATE=$live/fullchain.pem SSL_CERTIFICATE_KEY=$live/privkey.pem
	elif [ -s "$placeholder/fullchain.pem" ]; then
		SSL_CERTIFICATE=$placeholder/fullchain.pem SSL_CERTIFICATE_KEY=$placeholder/privkey.pem
	else
		log "error: no certificate for $DOMAIN in $letsencrypt (neither live/ nor placeholder/); the certbot service creates the placeholder at its start"
		exit 1
	fi
	export SSL_CERTIFICATE SSL_CERTIFICATE_KEY
}

render() {
	choose_certificate
	"$here/render.sh" /etc/nginx/conf.d
	# The image's default site would answer on port 80 beside ours.
	rm -f /etc/nginx/conf.d/default.conf
}

stamp_value() {
	cat "$stamp" 2>/dev/null || echo none
}

watch_certificates() {
	seen=$(stamp_value)
	while :; do
		sleep "${CERT_POLL_SECONDS:-30}"
		now=$(stamp_value)
		if [ "$now" != "$seen" ]; then
			seen=$now
			log "certificate changed (stamp $now): re-rendering and reloading nginx"
			if render && nginx -t -q; then
				nginx -s reload
				log "nginx reloaded with $SSL_CERTIFICATE"
			else
				log "error: the new configuration does not pass nginx -t; nginx keeps the previous one"
			fi
		fi
	done
}

_main() {
	if [ "${1:-}" = "--help" ]; then
		sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
	fi
	render
	nginx -t -q
	log "serving $DOMAIN with $SSL_CERTIFICATE"
	if [ "${1:-nginx}" = nginx ]; then
		watch_certificates &
	fi
	exec "$@"
}

_main "$@"
