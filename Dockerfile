# syntax=docker/dockerfile:1
#
# livestream-chatops as a container image: build with the whole toolchain, run with the bundle and the
# production dependencies only, as the unprivileged `node` user, with DATA_DIR on a volume.
# Written against the official Node.js image's best-practices guide (the "Best Practices" page of
# https://github.com/nodejs/docker-node).
#
#   docker build -t livestream-chatops .
#   docker run -d --name livestream-chatops --env-file .env -v livestream-chatops-data:/data \
#     -p 127.0.0.1:9464:9464 livestream-chatops
#
# docs/operations.md ("Container image") explains each choice; test/ops/deploy.test.ts checks that the
# start command and paths here match package.json's start script and the bundle.

# Node 20, as .nvmrc and package.json's engines say. Debian (glibc), not Alpine: better-sqlite3 ships
# prebuilt binaries for it, so no compiler is needed. Both stages use the same image, so the native
# module built (or downloaded) in the first runs in the second.
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# The lockfile first: the dependency layer is rebuilt only when dependencies change.
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY adapters ./adapters
# The bot (dist/src/main.js, what `npm start` runs) and the Discord registration tool, as plain
# JavaScript; then the dev dependencies go.
RUN node scripts/build.mjs src/main.ts adapters/discord/register-cli.ts \
  && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim
# tini as PID 1: Node.js is not meant to be PID 1 (signals, zombie processes).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  DATA_DIR=/data \
  METRICS_PORT=9464
WORKDIR /app
# Owned by root and only readable by the bot: it cannot change its own code. package.json says
# "type": "module", which the bundle's ES modules need.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The state (SQLite) lives on a volume that outlives the container; created here so that a new named
# volume starts out owned by the bot's user.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
# PORT: Slack's HTTP mode and webhooks (only when used). METRICS_PORT: /healthz, /readyz, /metrics;
# publish it to the host or the cluster only, never to the internet.
EXPOSE 3000 9464
# Liveness from inside the container, on METRICS_PORT as the container sees it (no curl in the slim
# image: Node's own fetch). Unset METRICS_PORT and this check fails: nothing serves /healthz then.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.METRICS_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# package.json's start script without npm in between (npm would stand between the signals and the bot)
# and without its bundling step (done above).
CMD ["node", "--enable-source-maps", "--max-semi-space-size=2", "--heap-growing-percent=20", "dist/src/main.js"]
