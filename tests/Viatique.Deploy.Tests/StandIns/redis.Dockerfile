# Stand-in for redis:7-alpine: redis-server and redis-cli on PATH, /data owned by the redis user.
ARG SERVICES_IMAGE
FROM ${SERVICES_IMAGE}
RUN mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
