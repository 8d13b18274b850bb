# SourceApp, the SQLite source service. Build from the repository root:
#   docker build -f deploy/docker/sourceapp.Dockerfile -t groupcache/sourceapp:1.0 .
# Stage 1 builds with the SDK; stage 2 runs on the ASP.NET Core runtime as the image's non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /repo
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
RUN dotnet publish src/SourceApp/SourceApp.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The database lives on a volume at /data; the folder belongs to the app user, so that a fresh
# volume (or none) is writable without root.
RUN mkdir -p /data && chown "$APP_UID" /data
VOLUME /data
EXPOSE 8086
USER $APP_UID
ENTRYPOINT ["dotnet", "SourceApp.dll"]
CMD ["-db", "/data/sqlite.db", "-http", ":8086"]
