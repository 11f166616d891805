# The SIP callback service. Build: docker build -t sip-callback . ; run: see docker-compose.yml
FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# better-sqlite3 builds from source (approved in package.json "allowScripts")
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY types ./types
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY bin ./bin
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# REST API; AMD audio-fork WebSocket (FreeSWITCH connects here); fsmrf outbound event socket (FreeSWITCH connects here)
EXPOSE 8080 8090 8085
CMD ["node", "dist/main.js"]
