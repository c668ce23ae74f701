#!/usr/bin/env bash
# Make sure the servers sarra-ts needs are installed and RabbitMQ (with management) is running.
# Idempotent; safe to run again. sshd, nginx and vsftpd are only installed: the testkit starts private
# instances of them on loopback ports for each test file.
set -euo pipefail
need=()
command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ] || need+=(rabbitmq-server)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
[ -x /usr/sbin/nginx ] || need+=(nginx)
# vsftpd: only installed; the testkit starts a private one per test file (the system service is not started)
[ -x /usr/sbin/vsftpd ] || need+=(vsftpd)
# mqtt: Mosquitto on 127.0.0.1:1883 (started below when not running); the testkit starts private ones too
[ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
# ssm: the openssl CLI and python3-dirq (Debian's python-dirq) for the SSM interop tests and bench
command -v openssl >/dev/null 2>&1 || need+=(openssl)
/usr/bin/python3 -c 'import dirq' >/dev/null 2>&1 || need+=(python3-dirq)
# the status page test (packages/sr/test/status-page.int.test.ts): Debian's chromium, driven by playwright-core (no browser download)
[ -x /usr/bin/chromium ] || need+=(chromium)
# logging: socat binds the unix datagram socket the logSyslog test reads (util-linux logger and script are in bsdutils)
command -v socat >/dev/null 2>&1 || need+=(socat)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin"
# the Debian package may start nginx on port 80 as a system service; the pump does not need it
if ! rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  echo "starting rabbitmq-server"
  rabbitmq-server -detached
  for _ in $(seq 1 60); do rabbitmq-diagnostics -q ping >/dev/null 2>&1 && break; sleep 1; done
fi
rabbitmq-diagnostics -q ping >/dev/null || { echo "RabbitMQ did not start" >&2; exit 1; }
if ! rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_management; then
  echo "enabling rabbitmq_management"
  rabbitmq-plugins enable rabbitmq_management >/dev/null
fi
# ssm: RabbitMQ's STOMP plugin on 127.0.0.1:61613 (SSM's wire protocol)
if ! rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_stomp; then
  echo "enabling rabbitmq_stomp"
  rabbitmq-plugins enable rabbitmq_stomp >/dev/null
fi
# mqtt: RabbitMQ's MQTT plugin on 127.0.0.1:1884 (1883 is Mosquitto's): the listener is written to rabbitmq.conf for the
# next boots and set in the running node before the plugin starts, so the shared broker is never restarted for it
if ! rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_mqtt; then
  echo "enabling rabbitmq_mqtt on 127.0.0.1:1884"
  conf=/etc/rabbitmq/rabbitmq.conf
  grep -q '^mqtt.listeners.tcp' "$conf" 2>/dev/null || echo 'mqtt.listeners.tcp.local = 127.0.0.1:1884' >> "$conf"
  rabbitmqctl -q eval 'application:load(rabbitmq_mqtt), application:set_env(rabbitmq_mqtt, tcp_listeners, [{"127.0.0.1", 1884}]).' >/dev/null
  rabbitmq-plugins enable rabbitmq_mqtt >/dev/null
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then
  echo "starting mosquitto on 127.0.0.1:1883"
  mkdir -p /run/mosquitto /var/lib/mosquitto
  conf=/etc/sarra-mosquitto.conf
  printf 'listener 1883 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location /var/lib/mosquitto/\n' > "$conf"
  /usr/sbin/mosquitto -d -c "$conf"
  for _ in $(seq 1 20); do (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null && break; sleep 0.5; done
fi
(exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null || { echo "Mosquitto did not start" >&2; exit 1; }
for _ in $(seq 1 60); do
  curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1 && break; sleep 1
done
curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null || { echo "RabbitMQ management API not reachable" >&2; exit 1; }
echo "services ready: rabbitmq $(rabbitmqctl version 2>/dev/null), $(/usr/sbin/mosquitto -h 2>&1 | head -1), $(/usr/sbin/sshd -V 2>&1 | head -1 || true), $(/usr/sbin/nginx -v 2>&1)"
