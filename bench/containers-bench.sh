#!/usr/bin/env bash
# The containers collector's cost, with cAdvisor's default sets and with every set, against
# Docker's own ways of getting the same numbers.
#
# For each N (default 10 50 200) running containers, two exporters side by side on the same
# containers, scraped in turn as Prometheus scrapes (bench/scrape.py prometheus: its Accept header,
# OpenMetrics first, gzip, a kept-alive connection each): "default" (the default metric sets)
# and "every" (every set: percpu and process as well). For each: the latency of a scrape of
# /metrics?collect[]=containers (p50/p99 over SCRAPES scrapes each), the CPU per scrape and
# per container (utime+stime of the exporter from /proc/<pid>/stat across the scrapes,
# background work included, but for the "every" exporter's disk-usage thread, whose walks are
# reported apart), and the resident set. The "every" exporter walks each container's writable
# layer every WALK_INTERVAL (default 10s) instead of every minute, so that the background cost
# of a walk can be measured: the CPU of its microc-disk-usage thread over the walks it made
# (microc_container_disk_usage_walks_total). Side by side, in the same run, the wall time of
# `docker stats --no-stream` and of the stats API (one-shot requests, all containers in
# parallel, curl --unix-socket) for the same containers.
#
#   bench/containers-bench.sh [N...]          SCRAPES=300 WALK_INTERVAL=10s JAVA_OPTS=...
#
# With BASELINE_JAR=path/to/an/older/microc-exporter.jar a third exporter, "baseline", runs
# that jar with the default configuration beside the other two, for ratios against it.
#
# The exporters are exporter-app/target/microc-exporter.jar started by bin/microc, with the
# launcher's JVM flags and a class-data archive trained for each configuration first (in a
# scratch directory), as an operator would run them. Needs root (or the docker group),
# dockerd, curl and the image microc-test/busybox:1 (.ci/docker-setup.sh). Containers are
# named microc-bench-* and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

SIZES=("${@:-10 50 200}")
read -r -a SIZES <<<"${SIZES[*]}"
SCRAPES="${SCRAPES:-300}"
WALK_INTERVAL="${WALK_INTERVAL:-10s}"
IMAGE="${MICROC_TEST_IMAGE:-microc-test/busybox:1}"
SOCKET=/var/run/docker.sock
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
NET=microc-bench-net
TICK=$(getconf CLK_TCK)
CONFIGS=(default every)
[ -n "${BASELINE_JAR:-}" ] && CONFIGS=(baseline default every)
work="$(mktemp -d)"
declare -A pid port url

cleanup() {
  for c in "${CONFIGS[@]}"; do
    [ -n "${pid[$c]:-}" ] && kill "${pid[$c]}" 2>/dev/null || true
  done
  remove_containers 1 "$NET"
  rm -rf "$work"
}
trap cleanup EXIT

docker image inspect "$IMAGE" >/dev/null 2>&1 || { echo "bench: $IMAGE missing; run .ci/docker-setup.sh" >&2; exit 1; }
jar=exporter-app/target/microc-exporter.jar
unzip -l "$jar" io/github/microc/exporter/docker/ContainerCollector.class >/dev/null 2>&1 \
  || { echo "bench: $jar with the containers collector is missing; mvn -B package -DskipTests" >&2; exit 1; }

# ---- the exporters ---------------------------------------------------------------------------
cat >"$work/default.conf" <<'EOF'
microc.collectors.containers.name-include = "microc-bench-.*"
EOF
cat >"$work/every.conf" <<EOF
microc.collectors.containers.name-include = "microc-bench-.*"
microc.collectors.containers.metrics = [cpu, percpu, memory, diskIO, disk, network, oom_event, process, pressure]
microc.collectors.containers.disk-usage-interval = $WALK_INTERVAL
EOF
cp "$work/default.conf" "$work/baseline.conf"
for c in "${CONFIGS[@]}"; do
  port[$c]=$(free_port)
  cmd=(bin/microc --config "$work/$c.conf" --collector.disable-defaults --collector.containers
    "--web.listen-address=127.0.0.1:${port[$c]}")
  exporter_jar=$jar
  [ "$c" = baseline ] && exporter_jar=$BASELINE_JAR
  MICROC_JAR=$exporter_jar MICROC_CDS_DIR="$work/cds-$c" MICROC_CDS=train "${cmd[@]}" >"$work/train-$c.log" 2>&1 \
    || { cat "$work/train-$c.log" >&2; exit 1; }
  MICROC_JAR=$exporter_jar MICROC_CDS_DIR="$work/cds-$c" "${cmd[@]}" >"$work/exporter-$c.log" 2>&1 &
  pid[$c]=$!
  url[$c]="http://127.0.0.1:${port[$c]}/metrics?collect%5B%5D=containers"
done
for c in "${CONFIGS[@]}"; do
  for _ in $(seq 1 100); do curl -sf "${url[$c]}" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -sf "${url[$c]}" >/dev/null || { echo "bench: the $c exporter did not start:" >&2; cat "$work/exporter-$c.log" >&2; exit 1; }
done

# CPU ticks of the exporter's disk-usage thread (its name as the kernel keeps it: 15 bytes).
walker_ticks() {
  for t in /proc/"$1"/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = "microc-disk-usa" ]; then
      awk '{print $14 + $15}' "$t/stat"
      return
    fi
  done
  echo 0
}
metric() { curl -s "$1" | awk -v m="$2" '$1 == m {print $2}'; }

echo "== machine"
echo "cpus: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "kernel: $(uname -r); cgroup: $([ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && echo v2 || echo v1); docker: $(docker version --format '{{.Server.Version}}'); $(java -version 2>&1 | head -1)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== command"
echo "MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX bin/microc --config CONF --collector.disable-defaults --collector.containers (class-data archive trained per CONF)"
echo "default CONF: $(grep -v name-include "$work/default.conf" | tr '\n' ' ')(default sets, disk-usage-interval 1m)"
echo "every CONF: $(grep -v name-include "$work/every.conf" | tr '\n' ' ')"
[ -n "${BASELINE_JAR:-}" ] && echo "baseline: $BASELINE_JAR ($(unzip -p "$BASELINE_JAR" META-INF/MANIFEST.MF 2>/dev/null | grep -i implementation-version | tr -d '\r' || true)), default CONF"
echo "scrapes per N and exporter: $SCRAPES (in turn, /metrics?collect[]=containers, as Prometheus 2.42: OpenMetrics, gzip, keep-alive)"
echo

printf '%5s %-8s %8s %8s %11s %12s %8s %8s %9s %14s %14s %9s\n' N sets p50_ms p99_ms cpu_ms/scr cpu_us/cont rss_MiB walk_us walk_wall docker_stats_s stats_api_s ds/p50
running=0
for n in "${SIZES[@]}"; do
  # Start containers up to n (4 at a time); they idle, each with a veth on a user bridge.
  MICROC_TEST_IMAGE=$IMAGE start_containers "$running" "$n" microc-bench "$NET" 1
  running=$n
  ids=$(docker ps -q --filter label=microc.bench=1)
  for c in "${CONFIGS[@]}"; do
    for _ in $(seq 1 150); do
      seen=$(curl -s "${url[$c]}" | grep -c '^container_memory_usage_bytes{.*name="microc-bench-' || true)
      [ "$seen" -ge "$n" ] && break
      sleep 0.2
    done
  done
  urls=()
  for c in "${CONFIGS[@]}"; do urls+=("$c=${url[$c]}"); done
  # Warm-up: at least 200 scrapes each and 10 s, so that the JIT has settled before measuring.
  warm_until=$(($(date +%s) + 10))
  mkdir -p "$work/warm" "$work/lat"
  python3 bench/scrape.py prometheus 200 "$work/warm" "${urls[@]}"
  while [ "$(date +%s)" -lt "$warm_until" ]; do python3 bench/scrape.py prometheus 20 "$work/warm" "${urls[@]}"; done
  declare -A c0 w0 walks0 wall0
  for c in "${CONFIGS[@]}"; do
    c0[$c]=$(cpu_ticks "${pid[$c]}")
    w0[$c]=$(walker_ticks "${pid[$c]}")
    walks0[$c]=$(metric "${url[$c]}" microc_container_disk_usage_walks_total)
    wall0[$c]=$(metric "${url[$c]}" microc_container_disk_usage_walk_seconds_total)
  done
  python3 bench/scrape.py prometheus "$SCRAPES" "$work/lat" "${urls[@]}"
  for c in "${CONFIGS[@]}"; do mv "$work/lat/$c.times" "$work/lat-$c"; done
  t0=$(date +%s.%N)
  docker stats --no-stream --format '{{.ID}}' $ids >/dev/null
  t1=$(date +%s.%N)
  echo "$ids" | xargs -P 64 -I{} curl -s -o /dev/null --unix-socket "$SOCKET" \
    "http://localhost/containers/{}/stats?stream=false&one-shot=true"
  t2=$(date +%s.%N)
  ds=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  api=$(awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.3f", b - a}')
  for c in "${CONFIGS[@]}"; do
    c1=$(cpu_ticks "${pid[$c]}")
    w1=$(walker_ticks "${pid[$c]}")
    walks1=$(metric "${url[$c]}" microc_container_disk_usage_walks_total)
    wall1=$(metric "${url[$c]}" microc_container_disk_usage_walk_seconds_total)
    walks=$(awk -v a="${walks0[$c]:-0}" -v b="${walks1:-0}" 'BEGIN {print b - a}')
    # The scrapes' CPU, without the walks of the "every" exporter (reported on their own).
    scrape_ticks=$((c1 - c0[$c]))
    [ "$c" = every ] && scrape_ticks=$((scrape_ticks - (w1 - w0[$c])))
    p50=$(percentile "$work/lat-$c" 50)
    p99=$(percentile "$work/lat-$c" 99)
    cpu_ms=$(awk -v d="$scrape_ticks" -v t="$TICK" -v s="$SCRAPES" 'BEGIN {printf "%.3f", d * 1000 / t / s}')
    cpu_us=$(awk -v c="$cpu_ms" -v n="$n" 'BEGIN {printf "%.1f", c * 1000 / n}')
    rss=$(awk -v k="$(rss_kib "${pid[$c]}")" 'BEGIN {printf "%.1f", k / 1024}')
    # Per walk: the thread's CPU since start over every walk so far (ticks are 10 ms), and
    # the walks' wall time in this round.
    walk_us=$(awk -v d="$w1" -v t="$TICK" -v w="${walks1:-0}" 'BEGIN {if (w > 0) printf "%.0f", d * 1e6 / t / w; else print "-"}')
    walk_wall=$(awk -v a="${wall0[$c]:-0}" -v b="${wall1:-0}" -v w="$walks" 'BEGIN {if (w > 0) printf "%.0f", (b - a) * 1e6 / w; else print "-"}')
    [ "$c" != every ] && walk_us="-" && walk_wall="-"
    printf '%5d %-8s %8.2f %8.2f %11s %12s %8s %8s %9s %14s %14s %8.0fx\n' "$n" "$c" \
      "$(awk -v v="$p50" 'BEGIN {print v * 1000}')" "$(awk -v v="$p99" 'BEGIN {print v * 1000}')" \
      "$cpu_ms" "$cpu_us" "$rss" "$walk_us" "$walk_wall" "$ds" "$api" "$(awk -v a="$ds" -v b="$p50" 'BEGIN {print a / b}')"
  done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "walk_us: CPU of the disk-usage thread per container walk, over all walks so far; walk_wall: wall time per walk in this round (busybox containers: a few files in the writable layer, ~10 in the container's directory)"
echo "bytes per scrape (gzip): $(for c in "${CONFIGS[@]}"; do printf '%s %s  ' "$c" "$(curl -s --compressed -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "${url[$c]}")"; done)"
echo "targets: N=50, default sets: p99 <= 25 ms, <= 100 us CPU per container per scrape, RSS <= 64 MiB"
