package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per file system XFS statistics from {@code /sys/fs/xfs/<device>/stats/stats}, as
 * node_exporter 1.5 reads them: 39 counters named after the XFS wiki's runtime statistics.
 *
 * <pre>
 * node_xfs_extent_allocation_extents_allocated_total{device="sda1"} 3.194534e+06
 * node_xfs_read_calls_total{device="sda1"} 1.1023e+06
 * node_xfs_inode_operation_found_total{device="sda1"} 8321
 * </pre>
 *
 * <p>The kernel writes {@code rw} as write calls, then read calls. Every device directory with a {@code stats/stats} file is read (the global
 * {@code /sys/fs/xfs/stats} is not a device); no XFS mounted is nothing, and no error. Each
 * line is {@code <name> <values>}: {@code xpc}'s are 64-bit, every other line's must be 32-bit
 * unsigned integers, and the lines node_exporter reads must have their number of values
 * ({@code vnodes} 7 or 8); a file that breaks a rule fails the collection, as node_exporter's.
 * The directory is listed once a scrape; the files are kept open while their device is there.
 * Thread-safe.
 */
public final class XfsCollector implements MultiCollector, AutoCloseable {

  /** One family: the line it comes from, the value's position, its name and HELP. */
  private record Counter(String line, int index, String name, String help) {}

  private static final List<Counter> COUNTERS = List.of(
      new Counter("extent_alloc", 0, "extent_allocation_extents_allocated_total", "Number of extents allocated for a filesystem."),
      new Counter("extent_alloc", 1, "extent_allocation_blocks_allocated_total", "Number of blocks allocated for a filesystem."),
      new Counter("extent_alloc", 2, "extent_allocation_extents_freed_total", "Number of extents freed for a filesystem."),
      new Counter("extent_alloc", 3, "extent_allocation_blocks_freed_total", "Number of blocks freed for a filesystem."),
      new Counter("abt", 0, "allocation_btree_lookups_total", "Number of allocation B-tree lookups for a filesystem."),
      new Counter("abt", 1, "allocation_btree_compares_total", "Number of allocation B-tree compares for a filesystem."),
      new Counter("abt", 2, "allocation_btree_records_inserted_total", "Number of allocation B-tree records inserted for a filesystem."),
      new Counter("abt", 3, "allocation_btree_records_deleted_total", "Number of allocation B-tree records deleted for a filesystem."),
      new Counter("blk_map", 0, "block_mapping_reads_total", "Number of block map for read operations for a filesystem."),
      new Counter("blk_map", 1, "block_mapping_writes_total", "Number of block map for write operations for a filesystem."),
      new Counter("blk_map", 2, "block_mapping_unmaps_total", "Number of block unmaps (deletes) for a filesystem."),
      new Counter("blk_map", 3, "block_mapping_extent_list_insertions_total", "Number of extent list insertions for a filesystem."),
      new Counter("blk_map", 4, "block_mapping_extent_list_deletions_total", "Number of extent list deletions for a filesystem."),
      new Counter("blk_map", 5, "block_mapping_extent_list_lookups_total", "Number of extent list lookups for a filesystem."),
      new Counter("blk_map", 6, "block_mapping_extent_list_compares_total", "Number of extent list compares for a filesystem."),
      new Counter("bmbt", 0, "block_map_btree_lookups_total", "Number of block map B-tree lookups for a filesystem."),
      new Counter("bmbt", 1, "block_map_btree_compares_total", "Number of block map B-tree compares for a filesystem."),
      new Counter("bmbt", 2, "block_map_btree_records_inserted_total", "Number of block map B-tree records inserted for a filesystem."),
      new Counter("bmbt", 3, "block_map_btree_records_deleted_total", "Number of block map B-tree records deleted for a filesystem."),
      new Counter("dir", 0, "directory_operation_lookup_total", "Number of file name directory lookups which miss the operating systems directory name lookup cache."),
      new Counter("dir", 1, "directory_operation_create_total", "Number of times a new directory entry was created for a filesystem."),
      new Counter("dir", 2, "directory_operation_remove_total", "Number of times an existing directory entry was created for a filesystem."),
      new Counter("dir", 3, "directory_operation_getdents_total", "Number of times the directory getdents operation was performed for a filesystem."),
      new Counter("ig", 0, "inode_operation_attempts_total", "Number of times the OS looked for an XFS inode in the inode cache."),
      new Counter("ig", 1, "inode_operation_found_total", "Number of times the OS looked for and found an XFS inode in the inode cache."),
      new Counter("ig", 2, "inode_operation_recycled_total", "Number of times the OS found an XFS inode in the cache, but could not use it as it was being recycled."),
      new Counter("ig", 3, "inode_operation_missed_total", "Number of times the OS looked for an XFS inode in the cache, but did not find it."),
      new Counter("ig", 4, "inode_operation_duplicates_total", "Number of times the OS tried to add a missing XFS inode to the inode cache, but found it had already been added by another process."),
      new Counter("ig", 5, "inode_operation_reclaims_total", "Number of times the OS reclaimed an XFS inode from the inode cache to free memory for another purpose."),
      new Counter("ig", 6, "inode_operation_attribute_changes_total", "Number of times the OS explicitly changed the attributes of an XFS inode."),
      new Counter("rw", 1, "read_calls_total", "Number of read(2) system calls made to files in a filesystem."),
      new Counter("rw", 0, "write_calls_total", "Number of write(2) system calls made to files in a filesystem."),
      new Counter("vnodes", 0, "vnode_active_total", "Number of vnodes not on free lists for a filesystem."),
      new Counter("vnodes", 1, "vnode_allocate_total", "Number of times vn_alloc called for a filesystem."),
      new Counter("vnodes", 2, "vnode_get_total", "Number of times vn_get called for a filesystem."),
      new Counter("vnodes", 3, "vnode_hold_total", "Number of times vn_hold called for a filesystem."),
      new Counter("vnodes", 4, "vnode_release_total", "Number of times vn_rele called for a filesystem."),
      new Counter("vnodes", 5, "vnode_reclaim_total", "Number of times vn_reclaim called for a filesystem."),
      new Counter("vnodes", 6, "vnode_remove_total", "Number of times vn_remove called for a filesystem."));

  /** The number of values of each line node_exporter's library checks. */
  private static final Map<String, int[]> SIZES = Map.ofEntries(Map.entry("extent_alloc", new int[] {4}),
      Map.entry("abt", new int[] {4}), Map.entry("blk_map", new int[] {7}), Map.entry("bmbt", new int[] {4}),
      Map.entry("dir", new int[] {4}), Map.entry("trans", new int[] {3}), Map.entry("ig", new int[] {7}),
      Map.entry("log", new int[] {5}), Map.entry("rw", new int[] {2}), Map.entry("attr", new int[] {4}),
      Map.entry("icluster", new int[] {3}), Map.entry("vnodes", new int[] {7, 8}),
      Map.entry("buf", new int[] {9}), Map.entry("xpc", new int[] {3}));

  private final Path xfs;
  private final KeptFiles files = new KeptFiles();

  /** @param xfs {@code /sys/fs/xfs} */
  XfsCollector(Path xfs) {
    this.xfs = xfs;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    Map<String, Map<String, long[]>> devices = new TreeMap<>();
    files.begin();
    for (String device : devices()) {
      Path file = xfs.resolve(device).resolve("stats").resolve("stats");
      String text;
      try {
        text = files.read(file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
      devices.put(device, parseStats(text, file.toString()));
    }
    files.end();
    if (devices.isEmpty()) {
      return MetricSnapshots.of();
    }
    List<MetricSnapshot> snapshots = new ArrayList<>(COUNTERS.size());
    for (Counter c : COUNTERS) {
      MetricFamily family = MetricFamily.counter("node_xfs_" + c.name(), c.help(), "device");
      devices.forEach((device, lines) -> {
        long[] values = lines.get(c.line());
        family.add(values == null || c.index() >= values.length ? 0 : Numbers.unsigned(values[c.index()]),
            device);
      });
      snapshots.add(family.build());
    }
    return new MetricSnapshots(snapshots);
  }

  /** The entries of {@code /sys/fs/xfs} with a {@code stats/stats}, as node_exporter's glob finds them. */
  private List<String> devices() {
    List<String> devices = new ArrayList<>();
    if (!Files.isDirectory(xfs)) {
      return devices; // no XFS module: a stat, not a failed listing, on every scrape
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(xfs)) {
      for (Path entry : entries) {
        Path stats = entry.resolve("stats");
        if (Files.isDirectory(stats) && Files.exists(stats.resolve("stats"),
            java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          devices.add(entry.getFileName().toString());
        }
      }
    } catch (NoSuchFileException e) {
      return devices; // no XFS module, nothing mounted
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + xfs, e);
    }
    return devices;
  }


  /**
   * The lines of an XFS stats file by name.
   *
   * @throws IllegalArgumentException naming the file and line that break node_exporter's rules
   */
  static Map<String, long[]> parseStats(String text, String where) {
    Map<String, long[]> lines = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] fields = HostFiles.fields(line);
      if (fields.length < 2) {
        continue;
      }
      String name = fields[0];
      boolean wide = name.equals("xpc");
      long[] values = new long[fields.length - 1];
      for (int i = 0; i < values.length; i++) {
        try {
          values[i] = wide ? Long.parseUnsignedLong(fields[i + 1]) : Integer.toUnsignedLong(
              Integer.parseUnsignedInt(fields[i + 1]));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(where + ": " + name + ": not a " + (wide ? 64 : 32)
              + "-bit unsigned integer: \"" + fields[i + 1] + "\"");
        }
      }
      int[] sizes = SIZES.get(name);
      if (sizes != null && java.util.Arrays.stream(sizes).noneMatch(s -> s == values.length)) {
        throw new IllegalArgumentException(where + ": incorrect number of values for XFS " + name
            + " stats: " + values.length);
      }
      lines.put(name, values);
    }
    return lines;
  }

  @Override
  public synchronized void close() {
    files.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "xfs";
    }

    @Override
    public String description() {
      return "XFS allocation, B-tree, directory, inode, read/write and vnode counters per file system (node_xfs_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new XfsCollector(context.hostPaths().sys("fs", "xfs"));
    }
  }
}
