package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;

/**
 * NFS server statistics from {@code /proc/net/rpc/nfsd}, as node_exporter 1.5 reads them.
 *
 * <pre>
 * node_nfsd_reply_cache_hits_total 12
 * node_nfsd_disk_bytes_read_total 1.572864001e+09
 * node_nfsd_server_threads 8
 * node_nfsd_requests_total{method="Read",proto="4"} 52175
 * </pre>
 *
 * <p>Lines the kernel no longer writes ({@code ra} since Linux 5.?, {@code proc2} without v2
 * support) read as zeros, as in node_exporter; a line it does not know (Linux 6.6's
 * {@code wdeleg_getattr}) fails the collection, as node_exporter 1.5's fails. No file (no
 * nfsd module) is no data. The file is kept open. Thread-safe.
 */
public final class NfsdCollector implements MultiCollector, AutoCloseable {

  /**
   * The NFSv4 operations node_exporter reports, each with the position in {@code proc4ops} it
   * reads it from. The kernel has SETCLIENTID and SETCLIENTID_CONFIRM between SETATTR and
   * VERIFY; node_exporter 1.5 skips them, so its Verify, Write and RelLockOwner are the counts of
   * the two operations before each, and dashboards built on it show those.
   */
  private static final Object[][] V4_OPS = {{"Access", 4}, {"Close", 5}, {"Commit", 6},
      {"Create", 7}, {"DelegPurge", 8}, {"DelegReturn", 9}, {"GetAttr", 10}, {"GetFH", 11},
      {"Link", 12}, {"Lock", 13}, {"Lockt", 14}, {"Locku", 15}, {"Lookup", 16},
      {"LookupRoot", 17}, {"Nverify", 18}, {"Open", 19}, {"OpenAttr", 20}, {"OpenConfirm", 21},
      {"OpenDgrd", 22}, {"PutFH", 23}, {"Read", 26}, {"ReadDir", 27}, {"ReadLink", 28},
      {"Remove", 29}, {"Rename", 30}, {"Renew", 31}, {"RestoreFH", 32}, {"SaveFH", 33},
      {"SecInfo", 34}, {"SetAttr", 35}, {"Verify", 36}, {"Write", 37}, {"RelLockOwner", 38}};

  private final OptionalFile file;

  NfsdCollector(Path file) {
    this.file = new OptionalFile(file);
  }

  @Override
  public MetricSnapshots collect() {
    return snapshots(RpcStats.read(file, true));
  }

  static MetricSnapshots snapshots(RpcStats s) {
    MetricFamily requests = MetricFamily.counter("node_nfsd_requests_total",
        "Total number NFSd Requests by method and protocol.", "proto", "method");
    // node_exporter leaves out v2's and v3's Null.
    NfsCollector.add(requests, s, "proc2", "2", NfsCollector.V2, 1);
    NfsCollector.add(requests, s, "proc3", "3", NfsCollector.V3, 1);
    for (Object[] op : V4_OPS) {
      requests.add(s.get("proc4ops", (Integer) op[1]), "4", (String) op[0]);
    }
    return MetricSnapshots.of(
        counter("reply_cache_hits_total",
            "Total number of NFSd Reply Cache hits (client lost server response).", s.get("rc", 0)),
        counter("reply_cache_misses_total",
            "Total number of NFSd Reply Cache an operation that requires caching (idempotent).",
            s.get("rc", 1)),
        counter("reply_cache_nocache_total",
            "Total number of NFSd Reply Cache non-idempotent operations (rename/delete/…).",
            s.get("rc", 2)),
        counter("file_handles_stale_total", "Total number of NFSd stale file handles", s.get("fh", 0)),
        counter("disk_bytes_read_total", "Total NFSd bytes read.", s.get("io", 0)),
        counter("disk_bytes_written_total", "Total NFSd bytes written.", s.get("io", 1)),
        MetricFamily.gauge("node_nfsd_server_threads",
            "Total number of NFSd kernel threads that are running.", s.get("th", 0)),
        MetricFamily.gauge("node_nfsd_read_ahead_cache_size_blocks",
            "How large the read ahead cache is in blocks.", s.get("ra", 0)),
        counter("read_ahead_cache_not_found_total",
            "Total number of NFSd read ahead cache not found.", s.get("ra", 11)),
        MetricFamily.counter("node_nfsd_packets_total",
                "Total NFSd network packets (sent+received) by protocol type.", "proto")
            .add(s.get("net", 1), "udp").add(s.get("net", 2), "tcp").build(),
        counter("connections_total", "Total number of NFSd TCP connections.", s.get("net", 3)),
        MetricFamily.counter("node_nfsd_rpc_errors_total",
                "Total number of NFSd RPC errors by error type.", "error")
            .add(s.get("rpc", 2), "fmt").add(s.get("rpc", 3), "auth").add(s.get("rpc", 4), "cInt")
            .build(),
        counter("server_rpcs_total", "Total number of NFSd RPCs.", s.get("rpc", 0)),
        requests.build());
  }

  private static io.prometheus.metrics.model.snapshots.MetricSnapshot counter(String name,
      String help, double value) {
    return MetricFamily.counter("node_nfsd_" + name, help, value);
  }

  @Override
  public void close() {
    file.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "nfsd";
    }

    @Override
    public String description() {
      return "NFS server reply cache, I/O, threads and requests from /proc/net/rpc/nfsd (node_nfsd_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new NfsdCollector(context.hostPaths().proc("net", "rpc", "nfsd"));
    }
  }
}
