# One image for every role of Log: the query node's build output holds the journal node, the adjudicator and the query
# node (log.dll, Log.Journal.dll, Log.Adjudicator.dll); compose.yaml picks the role with the command.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish query-node -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /app .
# Health checks open a TCP connection with bash's /dev/tcp.
RUN test -x /bin/bash
ENTRYPOINT ["dotnet"]
