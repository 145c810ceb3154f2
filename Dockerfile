# Orchestral CLI image: `docker build -t orchestral .` then `docker run orchestral --help`.
# The CLI is TypeScript loaded through tsx (a runtime dependency), so there is no build step.
FROM node:20
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY bin ./bin
COPY src ./src
COPY machines ./machines
COPY projections ./projections
COPY examples ./examples
ENV NODE_ENV=production
# Threads' workspaces (files their steps read and write) live here unless a thread names another.
WORKDIR /workspace
ENTRYPOINT ["node", "/app/bin/orchestral.js"]
CMD ["--help"]
