#!/usr/bin/env bash
# How Microc starts, as a new user runs it, side by side with node_exporter, all with their
# default collectors, on loopback ports:
#   - launch to the first good scrape (a 200 holding node_cpu_seconds_total), the median of L
#     launches each, for
#       java -jar     the jar alone, with the JVM's default flags
#       first run     the distribution's bin/microc with an empty class-data cache (it starts
#                     without an archive and makes one in the background)
#       later run     bin/microc again, the archive in place (another port each time)
#       node_exporter
#   - the resident set after N scrapes (default 1,000) of each, scraped in turn as Prometheus
#     scrapes (its Accept header, gzip, keep-alive: one curl per 100 scrapes)
#   - the landing page's answer time (p50/p99 over 200 requests, a new connection each, as a
#     browser opens it) and size of the later run, with the containers that run; then, with
#     CONTAINERS=N, again once N more idle containers run (started here, removed at the end)
#     and a scrape has read them
#
# Usage: [CONTAINERS=50] bench/start-bench.sh [launches (default 5)] [scrapes (default 1000)]
# Needs: the distribution (mvn -B package -DskipTests: exporter-app/target/microc/),
# prometheus-node-exporter, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

launches=${1:-5}
scrapes=${2:-1000}
dist=exporter-app/target/microc
node_exporter=${NODE_EXPORTER:-$(command -v prometheus-node-exporter || command -v node_exporter || true)}
[ -n "$node_exporter" ] || { echo "bench: node_exporter not found (apt-get install prometheus-node-exporter)" >&2; exit 1; }
[ -x "$dist/bin/microc" ] || { echo "bench: build the distribution first: mvn -B package -DskipTests" >&2; exit 1; }
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
accept='Accept: application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1'

out=${BENCH_OUT:-bench/out}
mkdir -p "$out"
work=$(mktemp -d)
pids=()
containers=${CONTAINERS:-0}
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ "$containers" -gt 0 ] && remove_containers start microc-bench-start-net
  rm -rf "$work"
}
trap cleanup EXIT

echo "== machine"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "kernel: $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $("$java" -version 2>&1 | head -2 | tail -1)"
echo "node_exporter: $("$node_exporter" --version 2>&1 | head -1)"
echo "containers running: $(docker ps -q 2>/dev/null | wc -l)"

# The command of a variant on a port.
command_of() {
  local variant=$1 port=$2
  case $variant in
    jar) echo "$java -jar $dist/lib/microc-exporter.jar --web.listen-address=127.0.0.1:$port" ;;
    first|later) echo "$dist/bin/microc --web.listen-address=127.0.0.1:$port" ;;
    node) echo "$node_exporter --web.listen-address=127.0.0.1:$port" ;;
  esac
}

declare -A firsts pid_of port_of
variants=(jar first later node)
cache=$work/cache
for ((i = 1; i <= launches; i++)); do
  for variant in "${variants[@]}"; do
    port=$(free_port)
    if [ "$variant" = first ]; then
      # An empty cache: the start a new user gets. Its background training is let finish,
      # so that the later runs find the archive.
      rm -rf "$cache"
    fi
    read -r -a cmd <<< "$(command_of "$variant" "$port")"
    MICROC_CDS_DIR=$cache launch "$port" "$out/start-$variant.log" "${cmd[@]}"
    firsts[$variant]="${firsts[$variant]:-} $first_ms"
    if [ "$variant" = first ]; then
      for _ in $(seq 1 300); do
        ls "$cache"/microc-*.jsa >/dev/null 2>&1 && [ ! -d "$(ls -d "$cache"/*.lock 2>/dev/null | head -1)" ] && break
        sleep 0.1
      done
    fi
    if [ "$i" -lt "$launches" ] || [ "$variant" = first ]; then
      stop "$launched_pid"
    else
      pid_of[$variant]=$launched_pid
      port_of[$variant]=$port
    fi
  done
done

echo
echo "== launch to first good scrape (median of $launches)"
node_first=$(echo "${firsts[node]}" | median)
for variant in "${variants[@]}"; do
  m=$(echo "${firsts[$variant]}" | median)
  printf '%-14s %6d ms   (%s)   %.1fx node_exporter\n' "$variant" "$m" "$(echo "${firsts[$variant]}" | sed 's/^ //')" \
    "$(awk -v a="$m" -v b="$node_first" 'BEGIN {print (b > 0 ? a / b : 0)}')"
done

echo
echo "== resident set after $scrapes scrapes each (Prometheus's Accept header, gzip, keep-alive)"
running=(jar later node)
urls=()
for variant in "${running[@]}"; do urls+=("http://127.0.0.1:${port_of[$variant]}/metrics"); done
scrape_in_turn "$scrapes" "$accept" "${urls[@]}"
for variant in "${running[@]}"; do
  printf '%-14s RSS %6.1f MiB (anonymous %6.1f MiB)\n' "$variant" \
    "$(awk -v k="$(rss_kib "${pid_of[$variant]}")" 'BEGIN {print k / 1024}')" \
    "$(awk -v k="$(anon_kib "${pid_of[$variant]}")" 'BEGIN {print k / 1024}')"
done

# 200 requests of URL (after 20 unmeasured ones), one curl and connection each, with the
# curl arguments that follow; prints p50, p99, the answer's size and the load, after LABEL.
timed() {
  local label=$1 url=$2; shift 2
  local times=$work/times.txt
  for _ in $(seq 1 20); do curl -s -o /dev/null "$@" "$url"; done
  : >"$times"
  for _ in $(seq 1 200); do
    curl -s -o /dev/null -w '%{time_total}\n' "$@" "$url" >>"$times"
  done
  printf '%-34s p50 %6.2f ms, p99 %6.2f ms, %6d bytes (load average %s)\n' "$label" \
    "$(awk -v t="$(percentile "$times" 50)" 'BEGIN {print t * 1000}')" \
    "$(awk -v t="$(percentile "$times" 99)" 'BEGIN {print t * 1000}')" \
    "$(curl -s "$@" "$url" | wc -c)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
# The landing page, labelled with the rows of its containers table.
landing() {
  local url="http://127.0.0.1:${port_of[later]}/" rows
  rows=$(curl -s "$url" | sed -n '/<h2>Containers<\/h2>/,/<\/table>/p' | grep -c '^<tr><td' || true)
  timed "/ with $rows containers" "$url"
}
echo
echo "== landing page of the later run, 200 requests, a new connection each"
landing
if [ "$containers" -gt 0 ]; then
  start_containers 0 "$containers" microc-bench-start microc-bench-start-net start
  # Listed once the events reach the cache; two scrapes a second apart give the CPU column.
  for _ in $(seq 1 300); do
    [ "$(curl -s "http://127.0.0.1:${port_of[later]}/" | grep -c '<tr><td[^>]*>microc-bench-start-')" -ge "$containers" ] && break
    sleep 0.1
  done
  curl -s -o /dev/null "http://127.0.0.1:${port_of[later]}/metrics"; sleep 1.1
  curl -s -o /dev/null "http://127.0.0.1:${port_of[later]}/metrics"
  landing
  # Beside it, what a scrape of the same containers costs (Prometheus's Accept header, gzip).
  timed "/metrics?collect[]=containers" "http://127.0.0.1:${port_of[later]}/metrics?collect%5B%5D=containers" \
    --compressed -H "$accept"
fi
