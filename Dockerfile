# syntax=docker/dockerfile:1
# Tollgate's container image: the compiled gateway and its production dependencies, run as the
# unprivileged `node` user. admin.json and config.json are read from /etc/tollgate/config (the
# image has deploy/config's), the routes from /etc/tollgate/routes (empty in the image: mount
# yours, as deploy/kubernetes/ does with ConfigMaps); secrets come as environment variables or
# files under /var/run/secrets/tollgate.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TOLLGATE_CONFIG_DIR=/etc/tollgate/config \
    TOLLGATE_ROUTES_DIR=/etc/tollgate/routes
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts
COPY --from=build /app/dist/src ./dist/src
COPY schemas ./schemas
COPY deploy/config /etc/tollgate/config
RUN mkdir -p /etc/tollgate/routes
USER node
EXPOSE 8080 8085
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.TOLLGATE_ADMIN_PORT || 8085}/health/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/cli.js", "start"]
