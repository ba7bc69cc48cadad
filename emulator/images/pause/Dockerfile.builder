# The pause container when a registry answers but the host has no C compiler.
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY pause.c /src/pause.c
RUN mkdir -p /out/ecsdev && cc -static -Os -s -o /out/pause /src/pause.c

FROM scratch
COPY --from=build /out/ /
STOPSIGNAL SIGKILL
CMD ["/pause"]
