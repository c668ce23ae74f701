#!/usr/bin/env bash
# npm run demo: a small sarra-ts pump on this machine, on the sample data.
#   nginx (loopback) serves a copy of the sample tree  ->  post/demo_src announces it on xdemo_src
#   -> sarra/demo_pump downloads into a pump tree (served by the same nginx) and re-announces on xdemo_public
#   -> subscribe/demo_sub downloads everything into demo-run/downloaded,
#   -> sender/demo_send pushes the pump's copies to demo-run/sent (a file: destination).
# Everything lives in ./demo-run (XDG_CONFIG_HOME/XDG_CACHE_HOME point inside it); safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
DEMO="$REPO/demo-run"
P1=${DEMO_PORT_SOURCE:-18481}   # the origin (sample tree)
P2=${DEMO_PORT_PUMP:-18482}     # the pump's tree
export XDG_CONFIG_HOME="$DEMO/config" XDG_CACHE_HOME="$DEMO/cache"
SR="node $REPO/bin/sr.js"

bash tools/services.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
export PATH="$PATH:/usr/sbin"

# the sample tree shipped with the repository (or another one: SARRA_SAMPLE=/path/to/tree)
SAMPLE=${SARRA_SAMPLE:-$REPO/test/data/wxo-dd-sample}
[ -d "$SAMPLE/20200105" ] || { echo "sample data not found in $SAMPLE" >&2; exit 1; }

# a second run: stop what the first one left running, start from clean trees
if [ -d "$DEMO" ]; then
  echo "== stopping the previous demo"
  $SR stop >/dev/null 2>&1 || true
  [ -f "$DEMO/nginx/nginx.pid" ] && kill "$(cat "$DEMO/nginx/nginx.pid")" 2>/dev/null || true
  sleep 1
  $SR cleanup --dangerWillRobinson=4 >/dev/null 2>&1 || true
  rm -rf "$DEMO"
fi
mkdir -p "$DEMO"/{src,pump,downloaded,sent,nginx} "$XDG_CONFIG_HOME/sarra"/{post,sarra,subscribe,sender}
cp -r "$SAMPLE"/. "$DEMO/src/"
TOTAL=$(find "$DEMO/src" -type f ! -path '*/reject/*' | wc -l)

echo "== nginx on 127.0.0.1:$P1 (origin) and 127.0.0.1:$P2 (pump)"
USER_LINE=""; [ "$(id -u)" -eq 0 ] && USER_LINE="user root;"
cat > "$DEMO/nginx/nginx.conf" <<NGINX
$USER_LINE
worker_processes 1;
pid $DEMO/nginx/nginx.pid;
error_log $DEMO/nginx/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $DEMO/nginx/access.log;
  client_body_temp_path $DEMO/nginx/body; proxy_temp_path $DEMO/nginx/proxy; fastcgi_temp_path $DEMO/nginx/fcgi;
  uwsgi_temp_path $DEMO/nginx/uwsgi; scgi_temp_path $DEMO/nginx/scgi;
  server { listen 127.0.0.1:$P1; root $DEMO/src;  location / { autoindex on; } }
  server { listen 127.0.0.1:$P2; root $DEMO/pump; location / { autoindex on; } }
}
NGINX
nginx -p "$DEMO/nginx" -c "$DEMO/nginx/nginx.conf" -e "$DEMO/nginx/error.log"
for _ in $(seq 1 50); do curl -fsS -o /dev/null "http://127.0.0.1:$P1/" && break; sleep 0.2; done

echo "== configurations in $XDG_CONFIG_HOME/sarra"
C="$XDG_CONFIG_HOME/sarra"
echo "amqp://guest:guest@localhost/" > "$C/credentials.conf"; chmod 600 "$C/credentials.conf"
cat > "$C/post/demo_src.conf" <<CONF
post_broker amqp://guest@localhost/
post_exchange xdemo_src
post_topicPrefix v03
post_baseUrl http://127.0.0.1:$P1/
post_baseDir $DEMO/src
identity sha512
reject .*/reject/.*
accept .*
CONF
cat > "$C/sarra/demo_pump.conf" <<CONF
broker amqp://guest@localhost/
exchange xdemo_src
topicPrefix v03
expire 1h
post_broker amqp://guest@localhost/
post_exchange xdemo_public
post_baseUrl http://127.0.0.1:$P2/
post_baseDir $DEMO/pump
nodupe_ttl 5m
directory $DEMO/pump
mirror on
instances 2
accept .*
CONF
cat > "$C/subscribe/demo_sub.conf" <<CONF
broker amqp://guest@localhost/
exchange xdemo_public
topicPrefix v03
expire 1h
directory $DEMO/downloaded
mirror on
instances 2
accept .*
CONF
cat > "$C/sender/demo_send.conf" <<CONF
broker amqp://guest@localhost/
exchange xdemo_public
topicPrefix v03
expire 1h
baseDir $DEMO/pump
sendTo file://$DEMO/sent
mirror on
accept .*
CONF
$SR lint

echo "== sr declare; sr start"
$SR declare
$SR start
echo "== sr post -c post/demo_src $DEMO/src  ($TOTAL files to deliver, reject/ filtered out)"
$SR post -c post/demo_src "$DEMO/src" 2> "$DEMO/post.log" || { echo "post failed, see $DEMO/post.log" >&2; tail -5 "$DEMO/post.log" >&2; }

deadline=$((SECONDS + 240)); last=-1
while :; do
  n=$(find "$DEMO/downloaded" -type f ! -name '*.tmp' 2>/dev/null | wc -l)
  m=$(find "$DEMO/sent" -type f ! -name '*.tmp' 2>/dev/null | wc -l)
  [ "$n $m" != "$last" ] && echo "   $(date +%T) downloaded $n / $TOTAL files to $DEMO/downloaded, sent $m / $TOTAL to $DEMO/sent"
  last="$n $m"
  [ "$n" -ge "$TOTAL" ] && [ "$m" -ge "$TOTAL" ] && break
  [ $SECONDS -ge $deadline ] && { echo "   not everything arrived within 4 minutes; logs: $XDG_CACHE_HOME/sarra/log" >&2; break; }
  sleep 2
done
echo "== sr status"
$SR status
cat <<EOF2

The demo pump is still running. To look at it or stop it:
  export XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_CACHE_HOME=$XDG_CACHE_HOME
  node $REPO/bin/sr.js status            # or: npx sr status
  node $REPO/bin/sr.js log subscribe/demo_sub
  node $REPO/bin/sr.js stop && kill \$(cat $DEMO/nginx/nginx.pid)
EOF2
