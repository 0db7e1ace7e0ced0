FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
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
EXPOSE 8080
CMD ["node", "bin/gridline.js", "serve"]
