# Multi-stage build: compile in the Rust image, run from a small Debian image.
# Not built in this project's CI (no Docker engine there); see README "Containers".
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin teleinfo-exporter

FROM debian:bookworm-slim
# The exporter needs nothing but libc; a fixed non-root user in the dialout group can read
# serial devices passed with --device.
RUN groupadd --system --gid 20001 teleinfo \
    && useradd --system --uid 20001 --gid teleinfo --groups dialout --no-create-home teleinfo
COPY --from=build /src/target/release/teleinfo-exporter /usr/bin/teleinfo-exporter
USER teleinfo
EXPOSE 11798
# One malloc arena, as in the systemd unit (deploy/systemd: why, and what it saves).
ENV MALLOC_ARENA_MAX=1
HEALTHCHECK --interval=30s --timeout=3s CMD ["/usr/bin/teleinfo-exporter", "--version"]
ENTRYPOINT ["/usr/bin/teleinfo-exporter"]
# Override with the real meter, e.g.: --source house=/dev/ttyAMA0@1200
CMD ["--source", "demo"]
