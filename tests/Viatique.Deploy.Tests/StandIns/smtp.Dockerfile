# An SMTP sink for the mail test (tests only): Python's standard smtpd prints each message it gets.
ARG SERVICES_IMAGE
FROM ${SERVICES_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 \
    && rm -rf /var/lib/apt/lists/*
EXPOSE 1025
CMD ["python3", "-u", "-W", "ignore", "-m", "smtpd", "-n", "-c", "DebuggingServer", "0.0.0.0:1025"]
