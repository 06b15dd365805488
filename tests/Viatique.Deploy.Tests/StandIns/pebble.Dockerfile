# Let's Encrypt's ACME test server (Debian's pebble), for the certificate tests only.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY pebble /usr/local/bin/pebble
EXPOSE 14000 15000
ENTRYPOINT ["pebble"]
