#!/usr/bin/env bash
# Push mode against the pair it replaces, side by side in one run, both sending to the same
# receiver (a Prometheus 2.42 with --web.enable-remote-write-receiver) every 15 s:
#   (a) node_exporter 1.5 scraped by a Prometheus 2.42 in agent mode (--enable-feature=agent),
#       which remote-writes what it scrapes;
#   (b) Microc alone, with no HTTP listener (--web.listen-address=""), pushing the same
#       collectors.
# Reports, over the measured window (after a warm-up): CPU seconds (utime+stime) of each
# process and of each side, their resident set (mean and largest of a sample every 15 s, and
# at the end), bytes sent per sample (compressed request bytes over samples sent, from each
# sender's own counters), what each process wrote to disk (/proc/<pid>/io write_bytes), and
# Microc/pair as ratios. Target: Microc alone below the pair on CPU and on RSS.
#
# Usage: bench/push-bench.sh [measured seconds (default 600)] [warm-up seconds (default 60)]
# Needs: exporter-app/target/microc-exporter.jar (mvn -B package), prometheus,
# prometheus-node-exporter, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

duration=${1:-600}
warmup=${2:-60}
interval=15
collectors=(cpu meminfo loadavg filesystem diskstats netdev stat time uname os)
prometheus=${PROMETHEUS:-$(command -v prometheus || true)}
node_exporter=${NODE_EXPORTER:-$(command -v prometheus-node-exporter || command -v node_exporter || true)}
[ -n "$prometheus" ] || { echo "bench: prometheus not found (apt-get install prometheus)" >&2; exit 1; }
[ -n "$node_exporter" ] || { echo "bench: node_exporter not found (apt-get install prometheus-node-exporter)" >&2; exit 1; }
[ -f exporter-app/target/microc-exporter.jar ] || { echo "bench: build the jar first: mvn -B package -DskipTests" >&2; exit 1; }

out=${BENCH_OUT:-bench/out}/push
rm -rf "$out"
mkdir -p "$out"
receiver_port=$(free_port)
node_port=$(free_port)
agent_port=$(free_port)

flags=()
for c in "${collectors[@]}"; do flags+=("--collector.$c"); done

cat >"$out/receiver.yml" <<EOF
global:
  scrape_interval: 1h
EOF
cat >"$out/agent.yml" <<EOF
global:
  scrape_interval: ${interval}s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$node_port']
remote_write:
  - url: http://127.0.0.1:$receiver_port/api/v1/write
EOF
cat >"$out/microc.conf" <<EOF
microc.push.buffer-dir = "$out/microc-buffer"
microc.push.remote-write = [
  { url = "http://127.0.0.1:$receiver_port/api/v1/write", name = receiver, interval = ${interval}s,
    external-labels { instance = "bench" } }
]
EOF

receiver_cmd=("$prometheus" --config.file="$out/receiver.yml" --storage.tsdb.path="$out/receiver-data"
  --web.listen-address="127.0.0.1:$receiver_port" --web.enable-remote-write-receiver)
node_cmd=("$node_exporter" --collector.disable-defaults "${flags[@]}" --web.listen-address="127.0.0.1:$node_port")
agent_cmd=("$prometheus" --enable-feature=agent --config.file="$out/agent.yml"
  --storage.agent.path="$out/agent-data" --web.listen-address="127.0.0.1:$agent_port")
microc_cmd=(bin/microc --config "$out/microc.conf" --web.listen-address= --collector.disable-defaults "${flags[@]}")

echo "== machine"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "kernel: $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(java -version 2>&1 | head -2 | tail -1)"
echo "prometheus: $("$prometheus" --version 2>&1 | head -1)"
echo "node_exporter: $("$node_exporter" --version 2>&1 | head -1)"
echo "== commands (every ${interval}s, ${warmup}s warm-up, ${duration}s measured)"
echo "receiver: ${receiver_cmd[*]}"
echo "pair: ${node_cmd[*]}"
echo "      ${agent_cmd[*]}"
echo "microc: ${microc_cmd[*]}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"${receiver_cmd[@]}" >"$out/receiver.log" 2>&1 & receiver_pid=$!; pids+=("$receiver_pid")
until curl -sf "http://127.0.0.1:$receiver_port/-/ready" >/dev/null; do sleep 0.2; done
"${node_cmd[@]}" >"$out/node_exporter.log" 2>&1 & node_pid=$!; pids+=("$node_pid")
"${agent_cmd[@]}" >"$out/agent.log" 2>&1 & agent_pid=$!; pids+=("$agent_pid")
"${microc_cmd[@]}" >"$out/microc.log" 2>&1 & microc_pid=$!; pids+=("$microc_pid")
# bin/microc runs java in its place (exec); the pid is the JVM's.

query() {
  curl -sf -G "http://127.0.0.1:$receiver_port/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "0")'
}
agent_metric() {
  curl -sf "http://127.0.0.1:$agent_port/metrics" | awk -v n="$1" '$1 ~ "^"n"({|$)" {s += $2} END {printf "%.0f\n", s}'
}
write_bytes() { awk '/^write_bytes/ {print $2}' "/proc/$1/io"; }
tick=$(getconf CLK_TCK)

sleep "$warmup"
for p in "$node_pid" "$agent_pid" "$microc_pid"; do
  kill -0 "$p" 2>/dev/null || { echo "bench: a process exited; see $out/*.log" >&2; exit 1; }
done
declare -A cpu0 io0
for p in "$node_pid" "$agent_pid" "$microc_pid"; do cpu0[$p]=$(cpu_ticks "$p"); io0[$p]=$(write_bytes "$p"); done
agent_bytes0=$(( $(agent_metric prometheus_remote_storage_bytes_total) + $(agent_metric prometheus_remote_storage_metadata_bytes_total) ))
agent_samples0=$(agent_metric prometheus_remote_storage_samples_total)
microc_bytes0=$(query 'microc_push_sent_bytes_total{instance="bench"}')
microc_samples0=$(query 'microc_push_sent_samples_total{instance="bench"}')

: >"$out/rss.tsv"
end=$(( $(date +%s) + duration ))
while [ "$(date +%s)" -lt "$end" ]; do
  echo "$(rss_kib "$node_pid") $(rss_kib "$agent_pid") $(rss_kib "$microc_pid")" >>"$out/rss.tsv"
  sleep "$interval"
done
# A last interval for the counters to reach the receiver.
sleep "$interval"

declare -A cpu
for p in "$node_pid" "$agent_pid" "$microc_pid"; do
  cpu[$p]=$(awk -v a="${cpu0[$p]}" -v b="$(cpu_ticks "$p")" -v t="$tick" 'BEGIN {printf "%.2f", (b - a) / t}')
done
agent_bytes=$(( $(agent_metric prometheus_remote_storage_bytes_total) + $(agent_metric prometheus_remote_storage_metadata_bytes_total) - agent_bytes0 ))
agent_samples=$(( $(agent_metric prometheus_remote_storage_samples_total) - agent_samples0 ))
microc_bytes=$(awk -v a="$microc_bytes0" -v b="$(query 'microc_push_sent_bytes_total{instance="bench"}')" 'BEGIN {printf "%.0f", b - a}')
microc_samples=$(awk -v a="$microc_samples0" -v b="$(query 'microc_push_sent_samples_total{instance="bench"}')" 'BEGIN {printf "%.0f", b - a}')
node_series=$(query 'count({job="node"})')
microc_series=$(query 'count({job="microc",instance="bench"})')

rss_stats() { awk -v c="$1" '{s += $c; if ($c > m) m = $c; last = $c} END {printf "%.1f %.1f %.1f", s / NR / 1024, m / 1024, last / 1024}' "$out/rss.tsv"; }
read -r node_rss_mean node_rss_max node_rss_end <<<"$(rss_stats 1)"
read -r agent_rss_mean agent_rss_max agent_rss_end <<<"$(rss_stats 2)"
read -r microc_rss_mean microc_rss_max microc_rss_end <<<"$(rss_stats 3)"
written() { awk -v a="${io0[$1]}" -v b="$(write_bytes "$1")" 'BEGIN {printf "%.0f", (b - a) / 1024}'; }

echo "== series per push: pair $node_series (job=node), microc $microc_series (job=microc)"
echo "== over ${duration}s"
printf "%-22s %10s %14s %13s %13s %13s %14s\n" process "CPU s" "RSS mean MiB" "RSS max MiB" "RSS end MiB" "disk KiB" "bytes/sample"
printf "%-22s %10s %14s %13s %13s %13s %14s\n" node_exporter "${cpu[$node_pid]}" "$node_rss_mean" "$node_rss_max" "$node_rss_end" "$(written "$node_pid")" "-"
printf "%-22s %10s %14s %13s %13s %13s %14s\n" "prometheus (agent)" "${cpu[$agent_pid]}" "$agent_rss_mean" "$agent_rss_max" "$agent_rss_end" "$(written "$agent_pid")" \
  "$(awk -v b="$agent_bytes" -v s="$agent_samples" 'BEGIN {printf "%.2f", s ? b / s : 0}')"
pair_cpu=$(awk -v a="${cpu[$node_pid]}" -v b="${cpu[$agent_pid]}" 'BEGIN {printf "%.2f", a + b}')
pair_rss=$(awk -v a="$node_rss_mean" -v b="$agent_rss_mean" 'BEGIN {printf "%.1f", a + b}')
pair_rss_max=$(awk -v a="$node_rss_max" -v b="$agent_rss_max" 'BEGIN {printf "%.1f", a + b}')
printf "%-22s %10s %14s %13s %13s %13s %14s\n" "pair (a)" "$pair_cpu" "$pair_rss" "$pair_rss_max" "-" \
  "$(( $(written "$node_pid") + $(written "$agent_pid") ))" "-"
printf "%-22s %10s %14s %13s %13s %13s %14s\n" "microc (b)" "${cpu[$microc_pid]}" "$microc_rss_mean" "$microc_rss_max" "$microc_rss_end" "$(written "$microc_pid")" \
  "$(awk -v b="$microc_bytes" -v s="$microc_samples" 'BEGIN {printf "%.2f", s ? b / s : 0}')"
echo "samples sent: pair $agent_samples, microc $microc_samples; bytes sent: pair $agent_bytes, microc $microc_bytes"
echo "== microc / pair: CPU $(awk -v a="${cpu[$microc_pid]}" -v b="$pair_cpu" 'BEGIN {printf "%.2f", a / b}'), RSS mean $(awk -v a="$microc_rss_mean" -v b="$pair_rss" 'BEGIN {printf "%.2f", a / b}'), RSS max $(awk -v a="$microc_rss_max" -v b="$pair_rss_max" 'BEGIN {printf "%.2f", a / b}')"
