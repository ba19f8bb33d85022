# Volley's release image: the `volley` binary on Debian 12 (bookworm) slim, as
# a non-root user (uid 65532), with a shell for Kubernetes and CI jobs.
#
#   docker build -t volley .
#   docker run --rm -v "$PWD:/work" volley run scenario.wasm --vus 10 --duration 30s
#
# scripts/check-dockerfile.sh checks what can be checked without a Docker
# engine; .github/workflows/release.yml builds and pushes the image per
# architecture on native runners.

# The build image's Rust is rust-toolchain.toml's channel; its Debian release
# is the runtime's, so the binary finds the glibc it was linked against.
FROM rust:1.95.0-bookworm AS build
# rust-toolchain.toml also names the wasm32-wasip2 target, which only the
# scenarios (guests) need: use the image's toolchain as it is.
ENV RUSTUP_TOOLCHAIN=1.95.0 \
    CARGO_TERM_COLOR=never
WORKDIR /src
# The whole workspace: Cargo reads every member's manifest, even to build one package.
COPY . .
RUN --mount=type=cache,id=volley-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=volley-target,target=/src/target \
    cargo build --release --locked -p volley \
    && install -D -m 0755 target/release/volley /out/volley \
    && /out/volley --version

FROM debian:bookworm-slim AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="volley" \
      org.opencontainers.image.description="Load-testing engine that runs WebAssembly component scenarios as thousands of sandboxed virtual users" \
      org.opencontainers.image.source="https://github.com/volley-rs/volley" \
      org.opencontainers.image.url="https://github.com/volley-rs/volley" \
      org.opencontainers.image.documentation="https://github.com/volley-rs/volley/blob/main/docs/distributed.md" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="Volley" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# CA certificates for anything that reads the system's trust store; the rest
# of the image is Debian's slim base. The user `volley` has uid and gid 65532
# (distroless's "nonroot"), so `runAsNonRoot` can check it by number.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 65532 volley \
    && useradd --uid 65532 --gid 65532 --home-dir /home/volley --create-home --shell /usr/sbin/nologin volley \
    && install -d -o 65532 -g 65532 -m 0755 /work
COPY --from=build /out/volley /usr/local/bin/volley
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["volley"]
CMD ["--help"]
