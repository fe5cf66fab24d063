package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.HostPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The fixture tree in {@code src/test/resources/fixtures}: {@code proc}, {@code sys} and
 * {@code rootfs} are captures from a Linux host (Debian 12, kernel 6.x, 2 CPUs, a virtio disk),
 * {@code nasty} holds hand-made edge cases.
 */
final class Fixtures {

  /** Every host collector's plugin, as the services file lists them. */
  static final List<CollectorPlugin> HOST_PLUGINS = List.of(
      new CpuCollector.Plugin(),
      new MeminfoCollector.Plugin(),
      new LoadCollector.Plugin(),
      new FilesystemCollector.Plugin(),
      new DiskstatsCollector.Plugin(),
      new NetdevCollector.Plugin(),
      new StatCollector.Plugin(),
      new TimeCollector.Plugin(),
      new UnameCollector.Plugin(),
      new OsCollector.Plugin(),
      new NetclassCollector.Plugin(),
      new HwmonCollector.Plugin(),
      new TextfileCollector.Plugin(),
      new PressureCollector.Plugin(),
      new VmstatCollector.Plugin(),
      new NetstatCollector.Plugin(),
      new SockstatCollector.Plugin(),
      new FilefdCollector.Plugin(),
      new ConntrackCollector.Plugin(),
      new TimexCollector.Plugin(),
      new EntropyCollector.Plugin(),
      new SoftnetCollector.Plugin(),
      new SchedstatCollector.Plugin(),
      new UdpQueuesCollector.Plugin(),
      new ArpCollector.Plugin(),
      new ThermalZoneCollector.Plugin(),
      new CpufreqCollector.Plugin(),
      new MdadmCollector.Plugin(),
      new NfsCollector.Plugin(),
      new NfsdCollector.Plugin(),
      new DmiCollector.Plugin(),
      new XfsCollector.Plugin(),
      new ZfsCollector.Plugin(),
      new EdacCollector.Plugin(),
      new BondingCollector.Plugin(),
      new SelinuxCollector.Plugin(),
      new PowerSupplyClassCollector.Plugin(),
      new BtrfsCollector.Plugin(),
      new BcacheCollector.Plugin(),
      new IpvsCollector.Plugin(),
      new RaplCollector.Plugin(),
      new InfinibandCollector.Plugin(),
      new FibrechannelCollector.Plugin(),
      new NvmeCollector.Plugin(),
      new TapestatsCollector.Plugin(),
      new MeminfoNumaCollector.Plugin(),
      new BuddyinfoCollector.Plugin());

  private Fixtures() {}

  static Path root() {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path path(String relative) {
    return root().resolve(relative);
  }

  static String text(String relative) {
    try {
      return Files.readString(path(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The captured host, as a containerised exporter would see it under a mount. */
  static HostPaths host() {
    return new HostPaths(path("proc"), path("sys"), path("rootfs"));
  }
}
