# AstroBee Org container image: HTTP mode (or Socket Mode) on Node.js 20, SQLite or PostgreSQL.
#   docker build -t astrobee-org .
#   docker run -p 3000:3000 -e SLACK_BOT_TOKEN=… -e SLACK_SIGNING_SECRET=… -e PUBLIC_URL=https://… \
#     -e SMTP_URL=… -e MAIL_FROM=… -v astrobee-data:/app/data astrobee-org   (or -e MAIL_DISABLED=true for no mail;
#     README "Container image" has the whole list)
# test/production/image.test.ts (npm run test:image) runs these RUN and COPY steps outside Docker, in this order.
ARG NODE_IMAGE=node:20-bookworm-slim

# Build: every dependency (TypeScript included), then tsc into dist/. No install scripts: compiling needs no
# native module.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies: sqlite3 builds its native module here (a prebuilt binary when one matches, otherwise
# from source, hence the toolchain); pg is plain JavaScript. The `prepare` script and dist/ are copied in first:
# `npm ci` runs it, and it keeps the build it finds (TypeScript is not installed here).
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/build.mjs ./scripts/
COPY --from=build /app/dist ./dist
RUN npm ci --omit=dev --no-audit --no-fund

# Runtime: production dependencies and the build, no compiler, no sources; runs as the unprivileged `node` user.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p data && chown node:node data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
