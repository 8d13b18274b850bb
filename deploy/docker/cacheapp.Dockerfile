# CacheApp, a groupcache node. Build from the repository root:
#   docker build -f deploy/docker/cacheapp.Dockerfile -t groupcache/cacheapp:1.0 .
# Stage 1 builds with the SDK; stage 2 runs on the ASP.NET Core runtime as the image's non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /repo
# The build's shared settings first, then the projects: a change in src/ only re-runs the publish.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
RUN dotnet publish src/CacheApp/CacheApp.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The API (data, admin, /health/live, /health/ready, /metrics) and the peer protocol.
EXPOSE 8080 8081
# The aspnet images carry an unprivileged user "app"; APP_UID is its id (1654).
USER $APP_UID
# A 64 MiB young-generation budget (hex digits, no 0x): about 15 times fewer gen0 collections
# under load; docs/CACHEAPP.md says why and what it costs.
ENV DOTNET_GCgen0size=4000000
ENTRYPOINT ["dotnet", "CacheApp.dll"]
