# Multi-stage build of the prover service and the guest programs.
#
# Stage 1 builds on Debian bookworm with the same toolchains as CI: rustup's stable Rust
# for the host, Debian's rustc-web/cargo-web (from bookworm-updates/security, as on the
# CI machines) for the riscv32im guests; Node.js with npm `solc@0.8.19` (tools/) compiles
# contracts/ (the `calldata` command embeds Rollup.sol's ABI).
FROM rust:1-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        rustc-web cargo-web rust-web-src lld nodejs npm patch \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN npm install --prefix tools --no-audit --no-fund --ignore-scripts --silent
RUN ./scripts/patch-crates.sh \
 && cargo build --release --locked -p prover-service -p guests

# Stage 2: just the binary and the example guest ELFs. The default command serves the job
# API on every interface of the container, with its SQLite store, artifacts, KZG parameters
# and proving keys on the /data volume:
#   docker run -p 8080:8080 -v prover-data:/data IMAGE --rpc-url https://l2.example
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 prover \
 && mkdir -p /data && chown prover /data
COPY --from=build /src/target/release/prover-service /usr/local/bin/prover-service
COPY --from=build /src/target/guests /opt/guests
USER prover
VOLUME /data
ENV PROVER_LISTEN=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///data/prover.db \
    PROVER_ARTIFACTS_DIR=/data/artifacts \
    ZKVM_PARAMS_DIR=/data/kzg \
    ZKVM_KEYS_DIR=/data/keys
EXPOSE 8080
ENTRYPOINT ["prover-service"]
CMD ["serve"]
