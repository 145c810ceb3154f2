# Orchestral CLI image: `docker build -t orchestral .` then `docker run orchestral --help`.
# The build stage compiles the TypeScript sources to dist/ (`npm ci` runs the `prepare` script),
# then drops the dev dependencies; the image runs the built JavaScript (tsx, a runtime dependency,
# loads only for TypeScript action modules such as the examples').
FROM node:20 AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY machines ./machines
COPY projections ./projections
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY examples ./examples
ENV NODE_ENV=production
# Threads' workspaces (files their steps read and write) live here unless a thread names another.
WORKDIR /workspace
ENTRYPOINT ["node", "/app/bin/orchestral.js"]
CMD ["--help"]
