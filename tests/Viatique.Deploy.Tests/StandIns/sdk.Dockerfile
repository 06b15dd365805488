# Stand-in for mcr.microsoft.com/dotnet/sdk:10.0: this machine's .NET SDK on Debian bookworm, with
# this machine's CA certificates (the NuGet feed it restores from may be a local copy).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates libssl3 libicu72 \
    && rm -rf /var/lib/apt/lists/*
COPY certs/ /etc/ssl/certs/
COPY dotnet/ /usr/share/dotnet/
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 NUGET_CERT_REVOCATION_MODE=offline
