package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;

/**
 * NFS client statistics from {@code /proc/net/rpc/nfs}, as node_exporter 1.5 reads them.
 *
 * <pre>
 * node_nfs_packets_total{protocol="tcp"} 51230
 * node_nfs_connections_total 19
 * node_nfs_rpcs_total 4418204
 * node_nfs_requests_total{method="Read",proto="3"} 76414
 * </pre>
 *
 * <p>Every procedure of NFS versions 2, 3 and 4 that node_exporter names is exposed, 0 where the
 * kernel's line is absent or shorter (an older kernel's {@code proc4}). No file (no NFS client
 * module) is no data; a malformed one fails the collection. The file is kept open.
 * Thread-safe.
 */
public final class NfsCollector implements MultiCollector, AutoCloseable {

  /** {@code proc2}'s procedures, in the kernel's order. */
  static final String[] V2 = {"Null", "GetAttr", "SetAttr", "Root", "Lookup", "ReadLink", "Read",
      "WrCache", "Write", "Create", "Remove", "Rename", "Link", "SymLink", "MkDir", "RmDir",
      "ReadDir", "FsStat"};
  /** {@code proc3}'s procedures, in the kernel's order. */
  static final String[] V3 = {"Null", "GetAttr", "SetAttr", "Lookup", "Access", "ReadLink", "Read",
      "Write", "Create", "MkDir", "SymLink", "MkNod", "Remove", "RmDir", "Rename", "Link", "ReadDir",
      "ReadDirPlus", "FsStat", "FsInfo", "PathConf", "Commit"};
  /** The client's {@code proc4} procedures node_exporter names, in the kernel's order. */
  static final String[] V4 = {"Null", "Read", "Write", "Commit", "Open", "OpenConfirm",
      "OpenNoattr", "OpenDowngrade", "Close", "Setattr", "FsInfo", "Renew", "SetClientID",
      "SetClientIDConfirm", "Lock", "Lockt", "Locku", "Access", "Getattr", "Lookup", "LookupRoot",
      "Remove", "Rename", "Link", "Symlink", "Create", "Pathconf", "StatFs", "ReadLink", "ReadDir",
      "ServerCaps", "DelegReturn", "GetACL", "SetACL", "FsLocations", "ReleaseLockowner", "Secinfo",
      "FsidPresent", "ExchangeID", "CreateSession", "DestroySession", "Sequence", "GetLeaseTime",
      "ReclaimComplete", "LayoutGet", "GetDeviceInfo", "LayoutCommit", "LayoutReturn",
      "SecinfoNoName", "TestStateID", "FreeStateID", "GetDeviceList", "BindConnToSession",
      "DestroyClientID", "Seek", "Allocate", "DeAllocate", "LayoutStats", "Clone"};

  private final OptionalFile file;

  NfsCollector(Path file) {
    this.file = new OptionalFile(file);
  }

  @Override
  public MetricSnapshots collect() {
    return snapshots(RpcStats.read(file, false));
  }

  static MetricSnapshots snapshots(RpcStats s) {
    MetricFamily requests = MetricFamily.counter("node_nfs_requests_total",
        "Number of NFS procedures invoked.", "proto", "method");
    add(requests, s, "proc2", "2", V2, 0);
    add(requests, s, "proc3", "3", V3, 0);
    add(requests, s, "proc4", "4", V4, 0);
    return MetricSnapshots.of(
        MetricFamily.counter("node_nfs_packets_total",
                "Total NFSd network packets (sent+received) by protocol type.", "protocol")
            .add(s.get("net", 1), "udp").add(s.get("net", 2), "tcp").build(),
        MetricFamily.counter("node_nfs_connections_total", "Total number of NFSd TCP connections.",
            s.get("net", 3)),
        MetricFamily.counter("node_nfs_rpcs_total", "Total number of RPCs performed.",
            s.get("rpc", 0)),
        MetricFamily.counter("node_nfs_rpc_retransmissions_total",
            "Number of RPC transmissions performed.", s.get("rpc", 1)),
        MetricFamily.counter("node_nfs_rpc_authentication_refreshes_total",
            "Number of RPC authentication refreshes performed.", s.get("rpc", 2)),
        requests.build());
  }

  /**
   * One sample per procedure of a counted line from procedure {@code first} on; value
   * {@code i + 1} is procedure {@code i}.
   */
  static void add(MetricFamily requests, RpcStats s, String line, String proto, String[] names,
      int first) {
    for (int i = first; i < names.length; i++) {
      requests.add(s.get(line, i + 1), proto, names[i]);
    }
  }

  @Override
  public void close() {
    file.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "nfs";
    }

    @Override
    public String description() {
      return "NFS client RPC and procedure counts from /proc/net/rpc/nfs (node_nfs_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new NfsCollector(context.hostPaths().proc("net", "rpc", "nfs"));
    }
  }
}
