#!/usr/bin/env bash
# Starts the local services the test suite talks to (PostgreSQL on
# 127.0.0.1:5432 with trust auth, NATS with JetStream on 127.0.0.1:4222)
# when they are not already running. Safe to run repeatedly.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do
    port_open "$port" && return 0
    sleep 0.5
  done
  echo "services.sh: $name did not come up on port $port" >&2
  return 1
}

if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "services.sh: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    wait_port 5432 PostgreSQL
  else
    echo "services.sh: PostgreSQL is not installed here; its tests will be skipped (or fail under CI)" >&2
  fi
fi

if ! port_open 4222; then
  if [ -x /usr/sbin/nats-server ]; then
    echo "services.sh: starting NATS with JetStream"
    mkdir -p /var/lib/nats-server
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
    wait_port 4222 NATS
  else
    echo "services.sh: nats-server is not installed here; its tests will be skipped (or fail under CI)" >&2
  fi
fi
