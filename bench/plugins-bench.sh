#!/usr/bin/env bash
# What a plugin jar costs in each plugins mode, side by side in one run: the example plugin
# (plugins-example, http_probe, one target: the exporter's own /health) installed in
#   none         no plugins directory (the baseline)
#   in-process   microc.plugins.mode = in-process: the jar in Microc's JVM
#   process      microc.plugins.mode = process (the default): the jar in a JVM of its own
# each started by the distribution's bin/microc (its class-data archive made by a first run
# that is not counted), with
#   - launch to /ready 200 (every collector, the plugin's included, collected once), the
#     median of L launches
#   - the resident set (and its anonymous part) of Microc and of the plugin's JVM after N
#     scrapes (default 1,000),
#     scraped as Prometheus scrapes (its Accept header, gzip, keep-alive: one curl per 100)
#   - the CPU time per scrape over those N scrapes, Microc and the plugin's JVM together
#
# Usage: bench/plugins-bench.sh [launches (default 3)] [scrapes (default 1000)]
# Needs: the distribution and the example plugin (mvn -B package -DskipTests), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

launches=${1:-3}
scrapes=${2:-1000}
dist=exporter-app/target/microc
plugin=$(ls plugins-example/target/plugins-example-*.jar 2>/dev/null | grep -v -- '-tests\|-sources' | head -1)
[ -x "$dist/bin/microc" ] && [ -n "$plugin" ] || { echo "bench: build first: mvn -B package -DskipTests" >&2; exit 1; }
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
accept='Accept: application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1'
tck=$(getconf CLK_TCK)

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/plugins" "$work/cache"
cp "$plugin" "$work/plugins/"

echo "== machine"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "kernel: $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $("$java" -version 2>&1 | head -2 | tail -1)"
echo "plugin: $(basename "$plugin")"

# Starts a variant on its port; sets launched_pid and ready_ms (launch to /ready 200). One
# port and one configuration file per variant: the launcher keys its class-data archive on them.
launch() {
  local variant=$1 port=$2
  local config=$work/$variant.conf
  [ -f "$config" ] || {
    echo "microc.web.listen-address = \"127.0.0.1:$port\""
    if [ "$variant" != none ]; then
      echo "microc.plugins-dir = \"$work/plugins\""
      echo "microc.plugins.mode = $variant"
      echo "microc.collectors.http_probe.targets = [{ name = self, url = \"http://127.0.0.1:$port/health\" }]"
    fi
  } >"$config"
  local start; start=$(now_ms)
  MICROC_CDS_DIR=$work/cache "$dist/bin/microc" --config "$config" >"$work/$variant.log" 2>&1 &
  launched_pid=$!
  pids+=("$launched_pid")
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://127.0.0.1:$port/ready" 2>/dev/null)" = 200 ]; do
    kill -0 "$launched_pid" 2>/dev/null || { echo "bench: $variant exited; see $work/$variant.log" >&2; cat "$work/$variant.log" >&2; exit 1; }
    sleep 0.005
  done
  ready_ms=$(( $(now_ms) - start ))
}
children() { pgrep -P "$1" java 2>/dev/null || true; }

variants=(none in-process process)
declare -A readies pid_of port_of
# A first run of each: the launcher writes the class-data archive of that configuration.
for variant in "${variants[@]}"; do
  port_of[$variant]=$(free_port)
  launch "$variant" "${port_of[$variant]}"
  stop "$launched_pid"
done
for ((i = 1; i <= launches; i++)); do
  for variant in "${variants[@]}"; do
    port=${port_of[$variant]}
    launch "$variant" "$port"
    readies[$variant]="${readies[$variant]:-} $ready_ms"
    if [ "$i" -lt "$launches" ]; then
      stop "$launched_pid"
    else
      pid_of[$variant]=$launched_pid
    fi
  done
done

echo
echo "== launch to /ready 200 (median of $launches)"
base=$(echo "${readies[none]}" | median)
for variant in "${variants[@]}"; do
  m=$(echo "${readies[$variant]}" | median)
  printf '%-11s %6d ms   (%s)   +%d ms\n' "$variant" "$m" "$(echo "${readies[$variant]}" | sed 's/^ //')" $((m - base))
done

echo
echo "== $scrapes scrapes each, in turn (Prometheus's Accept header, gzip, keep-alive)"
declare -A before
for variant in "${variants[@]}"; do
  t=$(cpu_ticks "${pid_of[$variant]}")
  for c in $(children "${pid_of[$variant]}"); do t=$((t + $(cpu_ticks "$c"))); done
  before[$variant]=$t
done
urls=()
for variant in "${variants[@]}"; do urls+=("http://127.0.0.1:${port_of[$variant]}/metrics"); done
scrape_in_turn "$scrapes" "$accept" "${urls[@]}"
base_cpu=
for variant in "${variants[@]}"; do
  pid=${pid_of[$variant]}
  t=$(cpu_ticks "$pid")
  child_rss=0
  child_anon=0
  child_cpu=0
  for c in $(children "$pid"); do
    ct=$(cpu_ticks "$c")
    child_cpu=$((child_cpu + ct))
    child_rss=$((child_rss + $(rss_kib "$c")))
    child_anon=$((child_anon + $(anon_kib "$c")))
  done
  total=$(( t + child_cpu - before[$variant] ))
  per=$(awk -v t="$total" -v n="$scrapes" -v hz="$tck" 'BEGIN {printf "%.3f", t / hz / n * 1000}')
  [ -n "$base_cpu" ] || base_cpu=$per
  printf '%-11s Microc RSS %5.1f MiB (anonymous %5.1f); plugin JVM RSS %5.1f MiB (anonymous %5.1f); CPU %s ms a scrape (%.2fx none)\n' \
    "$variant" "$(awk -v k="$(rss_kib "$pid")" 'BEGIN {print k / 1024}')" "$(awk -v k="$(anon_kib "$pid")" 'BEGIN {print k / 1024}')" \
    "$(awk -v k="$child_rss" 'BEGIN {print k / 1024}')" "$(awk -v k="$child_anon" 'BEGIN {print k / 1024}')" \
    "$per" "$(awk -v a="$per" -v b="$base_cpu" 'BEGIN {print (b > 0 ? a / b : 0)}')"
done
echo "(a plugin JVM maps the same jar, JDK modules and class-data archive as Microc: its file-backed"
echo " pages are shared with Microc's; its anonymous memory is what it adds)"

