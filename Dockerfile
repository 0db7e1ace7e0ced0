FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false
COPY . .
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
CMD ["node", "bin/gridline.js", "serve"]
