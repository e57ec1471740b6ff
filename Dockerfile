# Images for docker-compose and any container host: `--target api`, `--target worker` or `--target web`.
# The base images are build arguments with Microsoft's defaults, so a registry mirror can stand in.
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${DOTNET_SDK_IMAGE} AS build
WORKDIR /src
# Restore first, from the project files only, so that code changes reuse the restore layer.
COPY global.json nuget.config Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Stories.Resources/Stories.Resources.csproj Stories.Resources/
COPY Stories.ServiceDefaults/Stories.ServiceDefaults.csproj Stories.ServiceDefaults/
COPY Stories.Data/Stories.Data.csproj Stories.Data/
COPY Stories.Api/Stories.Api.csproj Stories.Api/
COPY Stories.Worker/Stories.Worker.csproj Stories.Worker/
COPY Stories.Web/Stories.Web.csproj Stories.Web/
# The API and the worker are published for the image's architecture, which makes them ReadyToRun
# (PublishReadyToRun in their projects): a new replica starts on precompiled code (bench/warmup.sh).
# BuildKit sets TARGETARCH (amd64, arm64), which `-a` takes as it is.
ARG TARGETARCH=amd64
RUN dotnet restore Stories.Web/Stories.Web.csproj \
 && dotnet restore -a "$TARGETARCH" Stories.Api/Stories.Api.csproj && dotnet restore -a "$TARGETARCH" Stories.Worker/Stories.Worker.csproj
COPY Stories.Resources/ Stories.Resources/
COPY Stories.ServiceDefaults/ Stories.ServiceDefaults/
COPY Stories.Data/ Stories.Data/
COPY Stories.Api/ Stories.Api/
COPY Stories.Worker/ Stories.Worker/
COPY Stories.Web/ Stories.Web/
RUN dotnet publish Stories.Api/Stories.Api.csproj -c Release -a "$TARGETARCH" -o /out/api --no-restore \
 && dotnet publish Stories.Worker/Stories.Worker.csproj -c Release -a "$TARGETARCH" -o /out/worker --no-restore \
 && dotnet publish Stories.Web/Stories.Web.csproj -c Release -o /out/web --no-restore

FROM ${ASPNET_IMAGE} AS runtime
WORKDIR /app
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
# The runtime image has no curl; bash's /dev/tcp is enough to ask /alive.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /alive HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

FROM runtime AS api
COPY --from=build /out/api .
ENTRYPOINT ["dotnet", "Stories.Api.dll"]

FROM runtime AS worker
COPY --from=build /out/worker .
ENTRYPOINT ["dotnet", "Stories.Worker.dll"]

FROM runtime AS web
COPY --from=build /out/web .
ENTRYPOINT ["dotnet", "Stories.Web.dll"]
