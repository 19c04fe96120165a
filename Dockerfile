# The imsflow image for scale mode (docker-compose.yml): the API (default command), workers and
# `npm run migrate` run from it. Not built on the build machines (no Docker engine there).
FROM node:20.20.2-bookworm-slim

WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Dev dependencies stay: `npm run migrate` runs through tsx.
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
  && mkdir -p /data \
  && chown node:node /data

ENV IMSFLOW_DATA=/data \
    IMSFLOW_HOST=0.0.0.0
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
