FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false
COPY . .
ENV NODE_ENV=production HTTP_HOST=0.0.0.0 HTTP_PORT=8080
EXPOSE 8080
CMD ["node", "bin/gridline.js", "serve"]
