#!/usr/bin/env bash
# The endpoint, Microc against node_exporter 1.5, side by side with the same web-config file:
#   1. CPU per scrape over HTTPS with basic auth (a certificate and a bcrypt hash made here by
#      openssl and htpasswd), Prometheus's Accept header and gzip, the two exporters scraped in
#      turn: on kept-alive connections as Prometheus keeps them, then with a new connection
#      (a TLS handshake) for every scrape;
#   2. the attacks of the endpoint's hardening, each while a scraper fetches /metrics every
#      second, on plain HTTP, against each exporter in turn: many kept-alive clients, slow
#      clients, TLS ClientHellos on the plain port, clients that read a >1 MB answer (a
#      textfile both read) a byte a second; the scraper's failures and slowest scrape, and
#      threads and descriptors before and after.
# Microc runs through bin/microc.
#
# Usage: [KEY=rsa|ec] [ATTACKS=no] bench/web-bench.sh [scrapes per mode (default 1000)]
#   KEY      the server certificate's key: RSA 2048 (default) or ECDSA P-256
#   ATTACKS  "no" to measure the CPU per scrape only
# Needs: exporter-app/target/microc-exporter.jar, prometheus-node-exporter, openssl, htpasswd
# (apache2-utils), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

scrapes=${1:-1000}
node_exporter=${NODE_EXPORTER:-$(command -v prometheus-node-exporter || command -v node_exporter || true)}
[ -n "$node_exporter" ] || { echo "bench: node_exporter not found" >&2; exit 1; }
out=${BENCH_OUT:-bench/out/web}
mkdir -p "$out"
work=$(mktemp -d)
collectors=(cpu meminfo loadavg filesystem diskstats netdev stat time uname os)
flags=(--collector.disable-defaults)
for c in "${collectors[@]}"; do flags+=("--collector.$c"); done

echo "== machine"
echo "nproc: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "kernel: $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg); date: $(date -u +%FT%TZ)"
echo "java: $(java -version 2>&1 | head -2 | tail -1)"
echo "node_exporter: $("$node_exporter" --version 2>&1 | head -1)"

( cd "$work"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=bench-ca 2>/dev/null
  if [ "${KEY:-rsa}" = ec ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key 2>/dev/null
  else
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server.key 2>/dev/null
  fi
  openssl req -new -key server.key -subj /CN=127.0.0.1 -out server.csr 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out server.crt 2>/dev/null
  printf 'tls_server_config:\n  cert_file: %s/server.crt\n  key_file: %s/server.key\nbasic_auth_users:\n  prometheus: %s\n' \
    "$work" "$work" "$(htpasswd -nbBC 10 prometheus secret | cut -d: -f2-)" >web.yml )
echo "web-config file: TLS ($([ "${KEY:-rsa}" = ec ] && echo 'ECDSA P-256' || echo 'RSA 2048')) + basic auth (bcrypt cost 10)"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

mp=$(free_port); np=$(free_port)
MICROC_CDS=train bin/microc "${flags[@]}" --web.config.file="$work/web.yml" --web.listen-address="127.0.0.1:$mp" >/dev/null 2>&1 || true
bin/microc "${flags[@]}" --web.config.file="$work/web.yml" --web.listen-address="127.0.0.1:$mp" >"$out/microc-tls.log" 2>&1 &
mpid=$!; pids+=("$mpid")
"$node_exporter" "${flags[@]}" --web.config.file="$work/web.yml" --web.listen-address="127.0.0.1:$np" >"$out/node-tls.log" 2>&1 &
npid=$!; pids+=("$npid")
wait_port "$mp"; wait_port "$np"; sleep 2
echo "== CPU per scrape over HTTPS with basic auth"
python3 bench/web_attack.py cpu "$scrapes" "$work/ca.crt" prometheus:secret \
  "microc=https://127.0.0.1:$mp/metrics@$mpid" "node_exporter=https://127.0.0.1:$np/metrics@$npid"
echo "RSS after (MiB): Microc $(( $(rss_kib "$mpid") / 1024 )), node_exporter $(( $(rss_kib "$npid") / 1024 ))"
kill "$mpid" "$npid"; wait "$mpid" "$npid" 2>/dev/null || true
[ "${ATTACKS:-yes}" = no ] && exit 0

# The attacks, on plain HTTP; a textfile of about 1.2 MB makes the answer big for the slow readers.
mkdir -p "$work/textfile"
python3 - "$work/textfile/big.prom" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("# HELP bench_wide_value Wide.\n# TYPE bench_wide_value gauge\n")
    for i in range(10000):
        f.write(f'bench_wide_value{{id="/docker/{"0123456789abcdef" * 4}",series="{i}"}} {i}\n')
PY
for who in microc node_exporter; do
  port=$(free_port)
  if [ "$who" = microc ]; then
    bin/microc "${flags[@]}" --collector.textfile --collector.textfile.directory="$work/textfile" \
      --web.listen-address="127.0.0.1:$port" >"$out/$who-attacks.log" 2>&1 &
  else
    "$node_exporter" "${flags[@]}" --collector.textfile --collector.textfile.directory="$work/textfile" \
      --web.listen-address="127.0.0.1:$port" >"$out/$who-attacks.log" 2>&1 &
  fi
  pid=$!; pids+=("$pid")
  wait_port "$port"; sleep 2
  echo "== attacks on $who (plain HTTP; the scraper asks for /metrics without the textfile)"
  python3 bench/web_attack.py attacks "http://127.0.0.1:$port/metrics?exclude[]=textfile" "$pid" "/metrics"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
