#!/usr/bin/env bash
# Makes a local Docker engine ready for the container integration tests and the benchmark,
# idempotently: installs docker.io and busybox-static when missing, starts dockerd when
# /var/run/docker.sock does not answer, and builds the image microc-test/busybox:1 from the
# host's static busybox with `docker import` (nothing is pulled from a registry).
set -euo pipefail

IMAGE="${MICROC_TEST_IMAGE:-microc-test/busybox:1}"
SOCKET=/var/run/docker.sock
export DEBIAN_FRONTEND=noninteractive

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

find_busybox() {
  for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked'; then
      echo "$b"; return 0
    fi
  done
  # file(1) may be missing: a static busybox has no interpreter.
  for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && ! readelf -l "$b" 2>/dev/null | grep -q 'INTERP'; then
      echo "$b"; return 0
    fi
  done
  return 1
}

need=()
command -v dockerd >/dev/null || need+=(docker.io)
find_busybox >/dev/null || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  echo "docker-setup: installing ${need[*]}"
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

answers() {
  timeout 5 docker -H "unix://$SOCKET" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if ! answers; then
  echo "docker-setup: starting dockerd (log: /tmp/dockerd.log)"
  # A socket or pid file left behind by a dead daemon keeps a new one from starting.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    as_root rm -f /var/run/docker.pid
  fi
  # A session of its own: the daemon outlives the shell (and process group) that started it.
  as_root setsid sh -c 'nohup dockerd >>/tmp/dockerd.log 2>&1 </dev/null &'
  for _ in $(seq 1 60); do
    answers && break
    sleep 1
  done
  if ! answers; then
    echo "docker-setup: dockerd did not answer within 60 s; last log lines:" >&2
    tail -20 /tmp/dockerd.log >&2 || true
    exit 1
  fi
fi
echo "docker-setup: dockerd $(docker version --format '{{.Server.Version}}') answers on $SOCKET"

# A second dockerd started with --bridge=none in the host's network namespace deletes the
# host's docker0; the running daemon then fails every container on the default bridge.
# Put it back with the address the daemon gave it.
if ! ip link show docker0 >/dev/null 2>&1; then
  subnet="$(docker network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}/{{.Subnet}}{{end}}' 2>/dev/null || true)"
  gateway="${subnet%%/*}"
  prefix="${subnet##*/}"
  if [ -n "$gateway" ] && [ -n "$prefix" ]; then
    echo "docker-setup: docker0 is missing; recreating it as $gateway/$prefix"
    as_root ip link add docker0 type bridge
    as_root ip addr add "$gateway/$prefix" dev docker0
    as_root ip link set docker0 up
  fi
fi

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  busybox="$(find_busybox)" || { echo "docker-setup: no static busybox found" >&2; exit 1; }
  echo "docker-setup: building $IMAGE from $busybox"
  root="$(mktemp -d)"
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,proc,sys,dev,root,var/www}
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] && continue
    ln -sf /bin/busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/bin/sh"]' \
    --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
    - "$IMAGE" >/dev/null
fi
echo "docker-setup: image $IMAGE ready"
