#!/bin/sh
# Renders Viatique's nginx configuration for one site into OUTPUT_DIR:
#   OUTPUT_DIR/viatique.conf     (include it in nginx's http block, e.g. /etc/nginx/conf.d/)
#   OUTPUT_DIR/snippets/*.conf   (included by viatique.conf by absolute path)
# Usage: render.sh [--help] OUTPUT_DIR
# Environment (only these are substituted; nginx's own $host, $uri… are left alone):
#   DOMAIN               required; the site's name (server_name)
#   UPSTREAM             backend address host:port               (default backend:8000)
#   RESOLVER             DNS server for UPSTREAM                  (default 127.0.0.11, Docker's)
#   SSL_CERTIFICATE      certificate chain file (default /etc/letsencrypt/live/$DOMAIN/fullchain.pem)
#   SSL_CERTIFICATE_KEY  its key                  (default /etc/letsencrypt/live/$DOMAIN/privkey.pem)
#   ACME_ROOT            webroot of the ACME challenge            (default /var/www/certbot)
#   STATIC_ROOT          /static/ files                           (default /srv/static)
#   MEDIA_ROOT           /media/ files (user uploads)             (default /srv/media)
#   FRONTEND_ROOT        the front end's files, served at /       (default /usr/share/nginx/html)
#   HTTP_PORT, HTTPS_PORT  listen ports                           (default 80, 443)
#   HSTS                 Strict-Transport-Security value (default max-age=31536000; includeSubDomains; preload)
set -eu

here=$(cd "$(dirname "$0")" && pwd)

log() {
	printf '%s [nginx-render] %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$*" >&2
}

usage() {
	sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
}

render_setup_env() {
	: "${UPSTREAM:=backend:8000}" "${RESOLVER:=127.0.0.11}" "${ACME_ROOT:=/var/www/certbot}"
	: "${SSL_CERTIFICATE:=/etc/letsencrypt/live/$DOMAIN/fullchain.pem}"
	: "${SSL_CERTIFICATE_KEY:=/etc/letsencrypt/live/$DOMAIN/privkey.pem}"
	: "${STATIC_ROOT:=/srv/static}" "${MEDIA_ROOT:=/srv/media}" "${FRONTEND_ROOT:=/usr/share/nginx/html}"
	: "${HTTP_PORT:=80}" "${HTTPS_PORT:=443}" "${HSTS:=max-age=31536000; includeSubDomains; preload}"
	SNIPPETS_DIR="$OUTPUT_DIR/snippets"
	export DOMAIN UPSTREAM RESOLVER ACME_ROOT SSL_CERTIFICATE SSL_CERTIFICATE_KEY STATIC_ROOT MEDIA_ROOT \
		FRONTEND_ROOT HTTP_PORT HTTPS_PORT HSTS SNIPPETS_DIR
}

render_verify_env() {
	if [ -z "${DOMAIN:-}" ]; then
		log "error: DOMAIN is not set; set it to the site's name (e.g. DOMAIN=viatique.example.com in .env.production)"
		exit 64
	fi
	case "$DOMAIN" in
		*[!A-Za-z0-9.-]*)
			log "error: DOMAIN '$DOMAIN' is not a host name (letters, digits, dots and hyphens only)"
			exit 64
			;;
	esac
	case "$UPSTREAM" in
		*[!A-Za-z0-9.:_-]*)
			log "error: UPSTREAM '$UPSTREAM' is not host:port"
			exit 64
			;;
	esac
}

# Each file through envsubst with the variable list given explicitly.
# shellcheck disable=SC2016 # the list is literal: envsubst itself reads the ${NAME} forms
render_file() {
	envsubst '${DOMAIN} ${UPSTREAM} ${RESOLVER} ${ACME_ROOT} ${SSL_CERTIFICATE} ${SSL_CERTIFICATE_KEY} ${STATIC_ROOT} ${MEDIA_ROOT} ${FRONTEND_ROOT} ${HTTP_PORT} ${HTTPS_PORT} ${HSTS} ${SNIPPETS_DIR}' <"$1" >"$2.tmp"
	mv "$2.tmp" "$2"
}

_main() {
	case "${1:-}" in
		--help | -h)
			usage
			exit 0
			;;
		"")
			usage >&2
			exit 64
			;;
	esac
	OUTPUT_DIR=$1
	render_setup_env
	render_verify_env
	mkdir -p "$OUTPUT_DIR/snippets"
	for snippet in "$here"/snippets/*.conf; do
		render_file "$snippet" "$OUTPUT_DIR/snippets/$(basename "$snippet")"
	done
	render_file "$here/templates/viatique.conf.template" "$OUTPUT_DIR/viatique.conf"
	log "rendered $OUTPUT_DIR/viatique.conf for $DOMAIN (upstream $UPSTREAM, certificate $SSL_CERTIFICATE)"
}

_main "$@"
