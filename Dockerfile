# The attendance HTTP server (examples/server.rs).
#
#   docker build -t attendance-server .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=postgres://... attendance-server
#
# Or `docker compose up` with compose.yaml (PostgreSQL included).

# ---- toolchain with cargo-chef, shared by the planning and build stages ----
FROM rust:1.94-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version ^0.1
WORKDIR /app

# ---- a recipe of the dependencies only: changes when a manifest changes ----
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# ---- dependencies in their own cached layer, then the server itself ----
FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
# The facade only: the tools member's dependencies (goose, ...) stay out.
RUN cargo chef cook --release -p attendance --examples --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked -p attendance --example server \
    && cp target/release/examples/server /usr/local/bin/attendance-server

# ---- a small runtime image, running as an unprivileged user ----
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin attendance
COPY --from=builder /usr/local/bin/attendance-server /usr/local/bin/attendance-server
USER attendance
ENV BIND_ADDR=0.0.0.0:8080 \
    RUST_LOG=info
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health || exit 1
# The server drains requests in flight on SIGTERM (docker stop).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/attendance-server"]
