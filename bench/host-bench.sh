#!/usr/bin/env bash
# Microc against node_exporter, side by side on loopback ports, with the same host
# collectors. Reports for both, and Microc/node_exporter as a ratio:
#   - time from launch to the first good scrape (a 200 holding node_cpu_seconds_total): the
#     median of L launches (default 5), the last of which goes on to the scrapes
#   - scrape latency p50/p99 (curl's time_total) over N scrapes each, the two exporters
#     scraped in turn so that both see the same machine noise, after W warm-up scrapes
#   - CPU seconds per scrape (utime+stime of the process, /proc/<pid>/stat, over the N)
#   - resident set size after the W + N scrapes, and how much of it is anonymous memory (heap,
#     code, stacks) rather than file pages mapped from disk (the JVM's library, the class-data
#     archives), which are clean and which the kernel can drop and share
# Microc runs through bin/microc (its JVM flags and class-data archive).
#
# Usage: bench/host-bench.sh [scrapes (default 3000)] [warm-up scrapes (default 50)] [launches (default 5)]
# (a p99 over 1,000 scrapes rests on the ten slowest, and moved by 20 % between two runs
# here; over 3,000 it rests on thirty)
# Needs: exporter-app/target/microc-exporter.jar (mvn -B package), prometheus-node-exporter,
# curl, python3. Targets: Microc's p99 and CPU per scrape at most node_exporter's, RSS at
# most 64 MiB, first good scrape within 0.5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

scrapes=${1:-3000}
warmup=${2:-50}
launches=${3:-5}
collectors=(cpu meminfo loadavg filesystem diskstats netdev stat time uname os)
node_exporter=${NODE_EXPORTER:-$(command -v prometheus-node-exporter || command -v node_exporter || true)}
[ -n "$node_exporter" ] || { echo "bench: node_exporter not found (apt-get install prometheus-node-exporter)" >&2; exit 1; }
[ -f exporter-app/target/microc-exporter.jar ] || { echo "bench: build the jar first: mvn -B package -DskipTests" >&2; exit 1; }

out=${BENCH_OUT:-bench/out}
mkdir -p "$out"

flags=()
for c in "${collectors[@]}"; do flags+=("--collector.$c"); done
microc_port=$(free_port)
node_port=$(free_port)
microc_cmd=(bin/microc --collector.disable-defaults "${flags[@]}" --web.listen-address="127.0.0.1:$microc_port")
node_cmd=("$node_exporter" --collector.disable-defaults "${flags[@]}" --web.listen-address="127.0.0.1:$node_port")

echo "== machine"
echo "nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "kernel: $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(java -version 2>&1 | head -2 | tail -1)"
echo "what is collected: $(ls /sys/class/net | wc -l) network interfaces, $(wc -l </proc/self/mountinfo) mounts, $(grep -c . /proc/diskstats) block devices"
echo "node_exporter: $("$node_exporter" --version 2>&1 | head -1)"
echo "microc: ${microc_cmd[*]}"
echo "node_exporter: ${node_cmd[*]}"

# The first run of bin/microc with these arguments writes their class-data archive; time it apart.
t0=$(now_ms)
MICROC_CDS=train "${microc_cmd[@]}" >/dev/null
echo "MICROC_CDS=train bin/microc ..., archive creation if missing: $(( $(now_ms) - t0 )) ms"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Launches "$@" and waits for its first good scrape; sets launched_pid and first_ms.
launch() {
  local port=$1 log=$2; shift 2
  local start; start=$(now_ms)
  "$@" >"$log" 2>&1 &
  launched_pid=$!
  pids+=("$launched_pid")
  while :; do
    if curl -sf -m 2 "http://127.0.0.1:$port/metrics" 2>/dev/null | grep -q '^node_cpu_seconds_total'; then
      break
    fi
    kill -0 "$launched_pid" 2>/dev/null || { echo "bench: $1 exited; see $log" >&2; exit 1; }
    sleep 0.005
  done
  first_ms=$(( $(now_ms) - start ))
}

# Launches each exporter L times, alternating, and keeps the last one running; sets
# microc_first and node_first to the median time to the first good scrape.
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
microc_firsts=""; node_firsts=""
for i in $(seq "$launches"); do
  launch "$microc_port" "$out/microc.log" "${microc_cmd[@]}"
  microc_pid=$launched_pid; microc_firsts="$microc_firsts $first_ms"
  launch "$node_port" "$out/node_exporter.log" "${node_cmd[@]}"
  node_pid=$launched_pid; node_firsts="$node_firsts $first_ms"
  if [ "$i" -lt "$launches" ]; then
    kill "$microc_pid" "$node_pid"
    wait "$microc_pid" "$node_pid" 2>/dev/null || true
  fi
done
microc_first=$(echo "$microc_firsts" | median); node_first=$(echo "$node_firsts" | median)
echo "first good scrape per launch (ms): Microc$microc_firsts; node_exporter$node_firsts"

for _ in $(seq "$warmup"); do
  curl -s -o /dev/null "http://127.0.0.1:$microc_port/metrics"
  curl -s -o /dev/null "http://127.0.0.1:$node_port/metrics"
done

: >"$out/microc.times"; : >"$out/node_exporter.times"
microc_t0=$(cpu_ticks "$microc_pid"); node_t0=$(cpu_ticks "$node_pid")
for _ in $(seq "$scrapes"); do
  curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$microc_port/metrics" >>"$out/microc.times"
  curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$node_port/metrics" >>"$out/node_exporter.times"
done
microc_ticks=$(( $(cpu_ticks "$microc_pid") - microc_t0 )); node_ticks=$(( $(cpu_ticks "$node_pid") - node_t0 ))
microc_rss=$(rss_kib "$microc_pid"); node_rss=$(rss_kib "$node_pid")
microc_anon=$(anon_kib "$microc_pid"); node_anon=$(anon_kib "$node_pid")
microc_series=$(curl -s "http://127.0.0.1:$microc_port/metrics" | grep -c '^node_' || true)
node_series=$(curl -s "http://127.0.0.1:$node_port/metrics" | grep -c '^node_' || true)

python3 - "$scrapes" "$(getconf CLK_TCK)" \
    "$microc_first" "$node_first" "$microc_ticks" "$node_ticks" "$microc_rss" "$node_rss" \
    "$microc_series" "$node_series" "$microc_anon" "$node_anon" \
    "$(percentile "$out/microc.times" 50)" "$(percentile "$out/microc.times" 99)" \
    "$(percentile "$out/node_exporter.times" 50)" "$(percentile "$out/node_exporter.times" 99)" <<'PY'
import sys
n, hz = int(sys.argv[1]), int(sys.argv[2])
mf, nf, mt, nt, mr, nr, ms, ns, ma, na = map(int, sys.argv[3:13])
m50, m99, n50, n99 = (float(x) * 1000 for x in sys.argv[13:17])
mc, nc = mt / hz / n * 1000, nt / hz / n * 1000
rows = [
    ("first good scrape, median (ms)", mf, nf),
    ("scrape latency p50 (ms)", m50, n50),
    ("scrape latency p99 (ms)", m99, n99),
    ("CPU per scrape (ms)", mc, nc),
    ("RSS after scrapes (MiB)", mr / 1024, nr / 1024),
    ("  of which anonymous (MiB)", ma / 1024, na / 1024),
    ("  of which file-backed (MiB)", (mr - ma) / 1024, (nr - na) / 1024),
    ("node_* series per scrape", ms, ns),
]
print(f"== {n} scrapes each, in turn")
print(f"{'':32}{'Microc':>10}{'node_exp.':>12}{'ratio':>8}")
for name, a, b in rows:
    print(f"{name:32}{a:>10.2f}{b:>12.2f}{(a / b if b else float('nan')):>8.2f}")
ok = lambda c: "ok" if c else "MISSED"
print("targets: p99 <= node_exporter's: %s; CPU/scrape <= node_exporter's: %s; RSS <= 64 MiB: %s; first scrape <= 500 ms: %s"
      % (ok(m99 <= n99), ok(mc <= nc), ok(mr / 1024 <= 64), ok(mf <= 500)))
PY
