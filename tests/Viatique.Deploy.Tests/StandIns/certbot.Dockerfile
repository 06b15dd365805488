# Stand-in for certbot/certbot: certbot as the entrypoint, openssl and sh on PATH.
ARG SERVICES_IMAGE
FROM ${SERVICES_IMAGE}
VOLUME /etc/letsencrypt /var/lib/letsencrypt
ENTRYPOINT ["certbot"]
