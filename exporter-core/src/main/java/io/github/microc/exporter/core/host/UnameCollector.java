package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Locale;
import oshi.SystemInfo;
import oshi.software.os.NetworkParams;

/**
 * What {@code uname(2)} says. On Linux from {@code /proc/sys/kernel} (ostype, osrelease,
 * version, hostname, domainname), so that through a host's procfs it is the host's kernel;
 * the machine from the JVM's {@code os.arch}, named as {@code uname -m} names it. The kernel's
 * name, release and version are read once (they change only with a reboot); the host and
 * domain names, which may change, on every scrape.
 *
 * <pre>
 * node_uname_info{domainname="(none)",machine="x86_64",nodename="vm",release="6.1.0-18-amd64",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"} 1
 * </pre>
 *
 * <p>Elsewhere from the JVM's {@code os.name} and {@code os.version}, OSHI's build number and
 * host and domain names (read once: finding them may ask DNS). Thread-safe.
 */
public final class UnameCollector implements MultiCollector, AutoCloseable {

  private final HostPaths paths;
  private final PseudoFile hostname;
  private final PseudoFile domainname;
  private final String[] fixed;
  /** ostype, osrelease and version, once all three have been read. */
  private volatile String[] kernel;

  /** Reads {@code <proc>/sys/kernel}. */
  UnameCollector(HostPaths paths) {
    this.paths = paths;
    this.hostname = new PseudoFile(paths.proc("sys", "kernel", "hostname"));
    this.domainname = new PseudoFile(paths.proc("sys", "kernel", "domainname"));
    this.fixed = null;
  }

  /** Asks the JVM and OSHI, once; for platforms without procfs. */
  UnameCollector(SystemInfo system) {
    this.paths = null;
    this.hostname = null;
    this.domainname = null;
    NetworkParams network = system.getOperatingSystem().getNetworkParams();
    this.fixed = new String[] {System.getProperty("os.name"), System.getProperty("os.version"),
        system.getOperatingSystem().getVersionInfo().getBuildNumber(),
        machine(System.getProperty("os.arch")), network.getHostName(), network.getDomainName()};
  }

  @Override
  public MetricSnapshots collect() {
    String[] v = fixed;
    if (v == null) {
      String[] k = kernel();
      v = new String[] {k[0], k[1], k[2], machine(System.getProperty("os.arch")),
          orEmpty(HostFiles.readTrimmedOrNull(hostname)), orEmpty(HostFiles.readTrimmedOrNull(domainname))};
    }
    return MetricSnapshots.of(MetricFamily.info("node_uname_info",
            "Labeled system information as provided by the uname system call.",
            "sysname", "release", "version", "machine", "nodename", "domainname")
        .addInfo(v)
        .build());
  }

  private String[] kernel() {
    String[] k = kernel;
    if (k != null) {
      return k;
    }
    k = new String[3];
    boolean all = true;
    String[] files = {"ostype", "osrelease", "version"};
    for (int i = 0; i < files.length; i++) {
      k[i] = HostFiles.readTrimmedOrNull(paths.proc("sys", "kernel", files[i]));
      all &= k[i] != null;
      k[i] = orEmpty(k[i]);
    }
    if (all) {
      kernel = k;
    }
    return k;
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  @Override
  public void close() {
    if (hostname != null) {
      hostname.close();
      domainname.close();
    }
  }

  /** {@code uname -m} for a JVM {@code os.arch}: {@code amd64} is {@code x86_64}. */
  static String machine(String osArch) {
    String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> "x86_64";
      case "x86", "i386", "i486", "i586", "i686" -> "i686";
      case "aarch64", "arm64" -> "aarch64";
      case "arm", "arm32" -> "armv7l";
      default -> arch;
    };
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "uname";
    }

    @Override
    public String description() {
      return "Kernel name, release, version, machine and host name (node_uname_info).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return HostFiles.linux() ? new UnameCollector(context.hostPaths())
          : new UnameCollector(context.system());
    }
  }
}
