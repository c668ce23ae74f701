# sarra-ts pump image: node 20, the workspace built to JavaScript, dev dependencies pruned.
#   docker build -t sarra-ts .
#   docker run --rm sarra-ts sr --help
FROM node:20-slim AS build
WORKDIR /opt/sarra
COPY package.json package-lock.json .npmrc tsconfig.base.json ./
COPY packages ./packages
RUN npm ci --no-audit --no-fund
COPY bin ./bin
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production
# the pump runs as "sarra"; its configurations are in ~/.config/sarra, state and logs in ~/.cache/sarra (the VOLUMEs,
# created here owned by sarra so a fresh named volume inherits that owner). bin/_run.js runs the build: tsx is pruned.
RUN groupadd --system sarra && useradd --system --gid sarra --create-home --home-dir /home/sarra sarra \
 && mkdir -p /home/sarra/.config/sarra /home/sarra/.cache/sarra && chown -R sarra:sarra /home/sarra
WORKDIR /opt/sarra
COPY --from=build /opt/sarra/package.json ./
COPY --from=build /opt/sarra/node_modules ./node_modules
COPY --from=build /opt/sarra/packages ./packages
COPY --from=build /opt/sarra/bin ./bin
COPY configs ./configs
RUN ln -s /opt/sarra/bin/sr.js /usr/local/bin/sr \
 && for c in subscribe sarra shovel winnow sender poll post watch report; do ln -s /opt/sarra/bin/sr_$c.js /usr/local/bin/sr_$c; done
USER sarra
ENV HOME=/home/sarra
WORKDIR /home/sarra
VOLUME ["/home/sarra/.config/sarra", "/home/sarra/.cache/sarra"]
# `sr run`: start every configuration, run sanity every 30 s, stop them all on SIGTERM (docker stop)
STOPSIGNAL SIGTERM
CMD ["sr", "run"]
