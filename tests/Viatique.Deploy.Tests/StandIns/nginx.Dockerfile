# Stand-in for nginx:1.27-alpine: the official image's nginx.conf layout (conf.d, user nginx,
# logs to the container's output), nginx and envsubst on PATH.
ARG SERVICES_IMAGE
FROM ${SERVICES_IMAGE}
RUN useradd --system --no-create-home --shell /usr/sbin/nologin nginx \
    && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log \
    && mkdir -p /etc/nginx/conf.d /usr/share/nginx/html
COPY nginx.conf /etc/nginx/nginx.conf
STOPSIGNAL SIGQUIT
EXPOSE 80 443
CMD ["nginx", "-g", "daemon off;"]
