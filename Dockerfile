# One image for every role of Log, built in two stages on the official .NET images: the query node's build output holds
# the journal node, the adjudicator, the storage node and the query node (log.dll, Log.Journal.dll, Log.Adjudicator.dll,
# Log.StorageNode.dll); compose.yaml picks the role with the command. Kafka runs from the official apache/kafka image.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# ReadyToRun: the code is compiled ahead of time for the image's runtime, so a start (and its first transaction and
# query) does not wait for the JIT; the JIT still recompiles hot methods with its best optimisations as they run.
RUN dotnet publish query-node -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /app .
# Health checks open a TCP connection with bash's /dev/tcp.
RUN test -x /bin/bash
ENTRYPOINT ["dotnet"]
