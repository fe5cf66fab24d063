#!/usr/bin/env bash
# The containers collector's cost against Docker's own ways of getting the same numbers.
#
# For each N (default 10 50 200) running containers: Microc's scrape latency (p50/p99 over
# SCRAPES sequential scrapes of /metrics?collect[]=containers), CPU per scrape (utime+stime
# of the exporter from /proc/<pid>/stat across the scrapes, background work included) and
# RSS; side by side, in the same run, the wall time of `docker stats --no-stream` and of the
# stats API (one-shot requests, all containers in parallel, curl --unix-socket) for the same
# containers.
#
#   bench/containers-bench.sh [N...]          SCRAPES=300 JAVA_OPTS=... to change the defaults
#
# The exporter is exporter-app/target/microc-exporter.jar started by bin/microc, with the
# launcher's JVM flags and its class-data archive (trained first, in a scratch directory),
# when the jar holds the containers collector; else the test class path's TestExporter
# (exporter-docker built with `mvn -pl exporter-docker test-compile`) with JAVA_OPTS.
# Needs root (or the docker group), dockerd, curl and the image microc-test/busybox:1
# (.ci/docker-setup.sh). Containers are named microc-bench-* and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

SIZES=("${@:-10 50 200}")
read -r -a SIZES <<<"${SIZES[*]}"
SCRAPES="${SCRAPES:-300}"
IMAGE="${MICROC_TEST_IMAGE:-microc-test/busybox:1}"
SOCKET=/var/run/docker.sock
# For the class-path exporter only (the launcher has its own flags; JAVA_OPTS is appended
# to them there).
CP_JAVA_OPTS="${JAVA_OPTS:--Xmx48m -Xss256k -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
NET=microc-bench-net
PORT="${PORT:-$((20000 + RANDOM % 20000))}"
TICK=$(getconf CLK_TCK)
work="$(mktemp -d)"
exporter_pid=""

cleanup() {
  [ -n "$exporter_pid" ] && kill "$exporter_pid" 2>/dev/null || true
  remove_containers 1 "$NET"
  rm -rf "$work"
}
trap cleanup EXIT

docker image inspect "$IMAGE" >/dev/null 2>&1 || { echo "bench: $IMAGE missing; run .ci/docker-setup.sh" >&2; exit 1; }

# ---- the exporter ---------------------------------------------------------------------------
jar=exporter-app/target/microc-exporter.jar
if [ -f "$jar" ] && unzip -l "$jar" io/github/microc/exporter/docker/ContainerCollector.class >/dev/null 2>&1; then
  export MICROC_CDS_DIR="$work/cds"
  cmd=(bin/microc --collector.disable-defaults --collector.containers "--web.listen-address=127.0.0.1:$PORT")
  MICROC_CDS=train "${cmd[@]}" >"$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }
else
  [ -d exporter-docker/target/test-classes ] || mvn -o -q -B -pl exporter-docker test-compile
  mvn -o -q -B -pl exporter-docker dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$work/cp.txt" >/dev/null
  # A copy, so that a concurrent build of the module cannot pull classes from under it; taken
  # again while a build is half-way (a plugin listed in META-INF/services without its class).
  for attempt in 1 2 3 4 5 6; do
    rm -rf "$work/classes" "$work/test-classes"
    cp -r exporter-docker/target/classes "$work/classes"
    cp -r exporter-docker/target/test-classes "$work/test-classes"
    complete=1
    while read -r provider; do
      [ -z "$provider" ] && continue
      [ -f "$work/classes/$(echo "$provider" | tr . /).class" ] || complete=0
    done <"$work/classes/META-INF/services/io.github.microc.exporter.core.spi.CollectorPlugin"
    [ -f "$work/test-classes/io/github/microc/exporter/docker/TestExporter.class" ] || complete=0
    [ "$complete" = 1 ] && break
    [ "$attempt" = 6 ] && { echo "bench: exporter-docker/target is incomplete; build it first" >&2; exit 1; }
    sleep 5
  done
  cmd=(java $CP_JAVA_OPTS -cp "$work/test-classes:$work/classes:$(cat "$work/cp.txt")"
    io.github.microc.exporter.docker.TestExporter "$PORT")
fi
"${cmd[@]}" >"$work/exporter.log" 2>&1 &
exporter_pid=$!
URL="http://127.0.0.1:$PORT/metrics?collect%5B%5D=containers"
for _ in $(seq 1 100); do curl -sf "$URL" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "$URL" >/dev/null || { echo "bench: the exporter did not start:" >&2; cat "$work/exporter.log" >&2; exit 1; }


echo "== machine"
echo "cpus: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "kernel: $(uname -r); cgroup: $([ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && echo v2 || echo v1); docker: $(docker version --format '{{.Server.Version}}'); $(java -version 2>&1 | head -1)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== command"
echo "MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX ${cmd[*]}" | sed "s#$work#\$WORK#g" | cut -c1-400
echo "scrapes per N: $SCRAPES (sequential, /metrics?collect[]=containers)"
echo

printf '%5s %9s %9s %10s %12s %8s %14s %14s %10s %10s\n' N p50_ms p99_ms cpu_ms/scr cpu_us/cont rss_MiB docker_stats_s stats_api_s ds/p50 api/p50
running=0
for n in "${SIZES[@]}"; do
  # Start containers up to n (4 at a time); they idle, each with a veth on a user bridge.
  if [ "$running" -lt "$n" ]; then
    MICROC_TEST_IMAGE=$IMAGE start_containers "$running" "$n" microc-bench "$NET" 1
    running=$n
  fi
  ids=$(docker ps -q --filter label=microc.bench=1)
  for _ in $(seq 1 150); do
    seen=$(curl -s "$URL" | grep -c '^container_cpu_usage_seconds_total{.*name="microc-bench-' || true)
    [ "$seen" -ge "$n" ] && break
    sleep 0.2
  done
  # Warm-up: at least 200 scrapes and 10 s, so that the JIT has settled before measuring.
  warm_until=$(($(date +%s) + 10))
  for _ in $(seq 1 200); do curl -s -o /dev/null "$URL"; done
  while [ "$(date +%s)" -lt "$warm_until" ]; do curl -s -o /dev/null "$URL"; done
  : >"$work/lat"
  c0=$(cpu_ticks "$exporter_pid")
  for _ in $(seq 1 "$SCRAPES"); do
    curl -s -o /dev/null -w '%{time_total}\n' "$URL" >>"$work/lat"
  done
  c1=$(cpu_ticks "$exporter_pid")
  p50=$(percentile "$work/lat" 50)
  p99=$(percentile "$work/lat" 99)
  cpu_ms=$(awk -v d=$((c1 - c0)) -v t="$TICK" -v s="$SCRAPES" 'BEGIN {printf "%.3f", d * 1000 / t / s}')
  cpu_us=$(awk -v c="$cpu_ms" -v n="$n" 'BEGIN {printf "%.1f", c * 1000 / n}')
  rss=$(awk -v k="$(rss_kib "$exporter_pid")" 'BEGIN {printf "%.1f", k / 1024}')

  t0=$(date +%s.%N)
  docker stats --no-stream --format '{{.ID}}' $ids >/dev/null
  t1=$(date +%s.%N)
  echo "$ids" | xargs -P 64 -I{} curl -s -o /dev/null --unix-socket "$SOCKET" \
    "http://localhost/containers/{}/stats?stream=false&one-shot=true"
  t2=$(date +%s.%N)
  ds=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  api=$(awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.3f", b - a}')
  printf '%5d %9.2f %9.2f %10s %12s %8s %14s %14s %9.0fx %9.0fx\n' "$n" \
    "$(awk -v v="$p50" 'BEGIN {print v * 1000}')" "$(awk -v v="$p99" 'BEGIN {print v * 1000}')" \
    "$cpu_ms" "$cpu_us" "$rss" "$ds" "$api" \
    "$(awk -v a="$ds" -v b="$p50" 'BEGIN {print a / b}')" "$(awk -v a="$api" -v b="$p50" 'BEGIN {print a / b}')"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "targets: N=50 p99 <= 25 ms and <= 5 ms CPU/scrape; N=200 <= 100 us CPU per container; RSS <= 64 MiB at N=200"
