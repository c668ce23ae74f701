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
# ssm: the openssl CLI and python3-dirq (Debian's python-dirq) for the SSM interop tests and bench
command -v openssl >/dev/null 2>&1 || need+=(openssl)
/usr/bin/python3 -c 'import dirq' >/dev/null 2>&1 || need+=(python3-dirq)
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
for _ in $(seq 1 60); do
  curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1 && break; sleep 1
done
curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null || { echo "RabbitMQ management API not reachable" >&2; exit 1; }
echo "services ready: rabbitmq $(rabbitmqctl version 2>/dev/null), $(/usr/sbin/sshd -V 2>&1 | head -1 || true), $(/usr/sbin/nginx -v 2>&1)"
