# liqstream image: `docker build -t liqstream .`, then e.g.
#   docker run --rm -p 127.0.0.1:9464:9464 -e LIQSTREAM_METRICS__HOST=0.0.0.0 liqstream run
# The compose stack (docker-compose.yml) runs it as `connect` and `aggregate` against Kafka.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script compiles, and the sources are not copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# The build's last step bundles the CLI (the entrypoint below).
COPY scripts/bundle ./scripts/bundle
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The live page's static HTML and CSS (its script is in dist/page).
COPY --from=build /app/src/web/page/index.html /app/src/web/page/page.css ./src/web/page/
# The connectors' disk spill (bus.spill.dir in the compose stack); a named volume takes this owner.
RUN mkdir -p /var/lib/liqstream && chown node:node /var/lib/liqstream
USER node
EXPOSE 9464
# Liveness, not readiness: a venue or the broker being away must not mark the container unhealthy
# (docs/reliability.md, "Health endpoints"). The port is LIQSTREAM_METRICS__PORT, else the default 9464;
# the metrics server listens on loopback by default, which this check reaches.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.LIQSTREAM_METRICS__PORT||9464)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--max-semi-space-size=64", "dist/bundle/cli/main.js"]
CMD ["run"]
