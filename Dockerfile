# syntax=docker/dockerfile:1
# Loupe in one image: the Hono server on Bun, the built web app and Janus from
# Debian's packages, which Loupe supervises (with janus-tools and ffmpeg, which
# convert recordings: scripts/install.sh's runtime list). Both stages install through
# scripts/install.sh, the same script CI and `npm run up` use, so the image is
# built the way the tests were run.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/ scripts/
RUN bash scripts/install.sh packages
COPY tsconfig.json ./
COPY src/ src/
COPY web/ web/
RUN bash scripts/install.sh build

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
COPY scripts/ scripts/
RUN bash scripts/install.sh system runtime && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN bash scripts/install.sh packages --production && npm cache clean --force
COPY src/ src/
COPY migrations/ migrations/
COPY janus/ janus/
COPY --from=build /app/web/build web/build
RUN mkdir -p /data && chown node:node /data
USER node
ENV NODE_ENV=production \
    LOUPE_DATA_DIR=/data \
    PORT=8080
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node_modules/.bin/bun", "-e", "const r = await fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').catch(() => null); process.exit(r && r.ok ? 0 : 1)"]
STOPSIGNAL SIGTERM
CMD ["node_modules/.bin/bun", "src/main.ts"]
