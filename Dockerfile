FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# `npm ci` compiles src/ into dist/ through `prepare`; the dev dependencies are then dropped.
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY locales ./locales
COPY drizzle ./drizzle
COPY roster ./roster
ENV NODE_ENV=production HTTP_HOST=0.0.0.0 HTTP_PORT=8080
# The embedded store's default folder, writable by the service's own user.
RUN mkdir -p /app/data && chown node:node /app/data
# Not root: the image's `node` user (uid 1000) runs the service.
USER node
EXPOSE 8080
# Docker's own check (compose names the same): ready means store, queues and bots answer; 503 while draining.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop) drains: no new work, jobs in hand finished. Give it time before SIGKILL (compose: stop_grace_period).
STOPSIGNAL SIGTERM
# The same V8 flags as `npm start`: a bounded heap, collected as it goes (the ledger bench measures it).
CMD ["node", "--max-old-space-size=256", "--max-semi-space-size=4", "bin/gridline.js", "serve"]
