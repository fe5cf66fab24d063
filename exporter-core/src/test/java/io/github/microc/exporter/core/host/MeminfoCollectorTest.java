package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.github.microc.exporter.core.testing.Exposition;
import java.util.Map;
import org.junit.jupiter.api.Test;
import oshi.SystemInfo;

class MeminfoCollectorTest {

  @Test
  void capturedMeminfoRendersAsNodeExporterDoes() {
    String text = Exposition.text(new MeminfoCollector(Fixtures.host().proc("meminfo")).collect());

    assertThat(text).isEqualTo("""
        # HELP node_memory_Active_anon_bytes Memory information field Active_anon_bytes.
        # TYPE node_memory_Active_anon_bytes gauge
        node_memory_Active_anon_bytes 1630208.0
        # HELP node_memory_Active_bytes Memory information field Active_bytes.
        # TYPE node_memory_Active_bytes gauge
        node_memory_Active_bytes 3.27770112E8
        # HELP node_memory_Active_file_bytes Memory information field Active_file_bytes.
        # TYPE node_memory_Active_file_bytes gauge
        node_memory_Active_file_bytes 3.26139904E8
        # HELP node_memory_AnonHugePages_bytes Memory information field AnonHugePages_bytes.
        # TYPE node_memory_AnonHugePages_bytes gauge
        node_memory_AnonHugePages_bytes 0.0
        # HELP node_memory_AnonPages_bytes Memory information field AnonPages_bytes.
        # TYPE node_memory_AnonPages_bytes gauge
        node_memory_AnonPages_bytes 2.93793792E8
        # HELP node_memory_Balloon_bytes Memory information field Balloon_bytes.
        # TYPE node_memory_Balloon_bytes gauge
        node_memory_Balloon_bytes 0.0
        # HELP node_memory_Bounce_bytes Memory information field Bounce_bytes.
        # TYPE node_memory_Bounce_bytes gauge
        node_memory_Bounce_bytes 0.0
        # HELP node_memory_Buffers_bytes Memory information field Buffers_bytes.
        # TYPE node_memory_Buffers_bytes gauge
        node_memory_Buffers_bytes 9465856.0
        # HELP node_memory_Cached_bytes Memory information field Cached_bytes.
        # TYPE node_memory_Cached_bytes gauge
        node_memory_Cached_bytes 6.85146112E8
        # HELP node_memory_CommitLimit_bytes Memory information field CommitLimit_bytes.
        # TYPE node_memory_CommitLimit_bytes gauge
        node_memory_CommitLimit_bytes 1.263824896E10
        # HELP node_memory_Committed_AS_bytes Memory information field Committed_AS_bytes.
        # TYPE node_memory_Committed_AS_bytes gauge
        node_memory_Committed_AS_bytes 2.150170624E9
        # HELP node_memory_DirectMap1G_bytes Memory information field DirectMap1G_bytes.
        # TYPE node_memory_DirectMap1G_bytes gauge
        node_memory_DirectMap1G_bytes 2.5769803776E10
        # HELP node_memory_DirectMap2M_bytes Memory information field DirectMap2M_bytes.
        # TYPE node_memory_DirectMap2M_bytes gauge
        node_memory_DirectMap2M_bytes 2.11812352E9
        # HELP node_memory_DirectMap4k_bytes Memory information field DirectMap4k_bytes.
        # TYPE node_memory_DirectMap4k_bytes gauge
        node_memory_DirectMap4k_bytes 2.9360128E7
        # HELP node_memory_Dirty_bytes Memory information field Dirty_bytes.
        # TYPE node_memory_Dirty_bytes gauge
        node_memory_Dirty_bytes 3514368.0
        # HELP node_memory_FileHugePages_bytes Memory information field FileHugePages_bytes.
        # TYPE node_memory_FileHugePages_bytes gauge
        node_memory_FileHugePages_bytes 5.8720256E7
        # HELP node_memory_FilePmdMapped_bytes Memory information field FilePmdMapped_bytes.
        # TYPE node_memory_FilePmdMapped_bytes gauge
        node_memory_FilePmdMapped_bytes 0.0
        # HELP node_memory_HugePages_Free Memory information field HugePages_Free.
        # TYPE node_memory_HugePages_Free gauge
        node_memory_HugePages_Free 0.0
        # HELP node_memory_HugePages_Rsvd Memory information field HugePages_Rsvd.
        # TYPE node_memory_HugePages_Rsvd gauge
        node_memory_HugePages_Rsvd 0.0
        # HELP node_memory_HugePages_Surp Memory information field HugePages_Surp.
        # TYPE node_memory_HugePages_Surp gauge
        node_memory_HugePages_Surp 0.0
        # HELP node_memory_HugePages_Total Memory information field HugePages_Total.
        # TYPE node_memory_HugePages_Total gauge
        node_memory_HugePages_Total 0.0
        # HELP node_memory_Hugepagesize_bytes Memory information field Hugepagesize_bytes.
        # TYPE node_memory_Hugepagesize_bytes gauge
        node_memory_Hugepagesize_bytes 2097152.0
        # HELP node_memory_Hugetlb_bytes Memory information field Hugetlb_bytes.
        # TYPE node_memory_Hugetlb_bytes gauge
        node_memory_Hugetlb_bytes 0.0
        # HELP node_memory_Inactive_anon_bytes Memory information field Inactive_anon_bytes.
        # TYPE node_memory_Inactive_anon_bytes gauge
        node_memory_Inactive_anon_bytes 2.83226112E8
        # HELP node_memory_Inactive_bytes Memory information field Inactive_bytes.
        # TYPE node_memory_Inactive_bytes gauge
        node_memory_Inactive_bytes 6.42510848E8
        # HELP node_memory_Inactive_file_bytes Memory information field Inactive_file_bytes.
        # TYPE node_memory_Inactive_file_bytes gauge
        node_memory_Inactive_file_bytes 3.59284736E8
        # HELP node_memory_KReclaimable_bytes Memory information field KReclaimable_bytes.
        # TYPE node_memory_KReclaimable_bytes gauge
        node_memory_KReclaimable_bytes 7.7295616E7
        # HELP node_memory_KernelStack_bytes Memory information field KernelStack_bytes.
        # TYPE node_memory_KernelStack_bytes gauge
        node_memory_KernelStack_bytes 3395584.0
        # HELP node_memory_Mapped_bytes Memory information field Mapped_bytes.
        # TYPE node_memory_Mapped_bytes gauge
        node_memory_Mapped_bytes 1.40283904E8
        # HELP node_memory_MemAvailable_bytes Memory information field MemAvailable_bytes.
        # TYPE node_memory_MemAvailable_bytes gauge
        node_memory_MemAvailable_bytes 2.463029248E10
        # HELP node_memory_MemFree_bytes Memory information field MemFree_bytes.
        # TYPE node_memory_MemFree_bytes gauge
        node_memory_MemFree_bytes 2.4120983552E10
        # HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.
        # TYPE node_memory_MemTotal_bytes gauge
        node_memory_MemTotal_bytes 2.5276502016E10
        # HELP node_memory_Mlocked_bytes Memory information field Mlocked_bytes.
        # TYPE node_memory_Mlocked_bytes gauge
        node_memory_Mlocked_bytes 1.7047552E7
        # HELP node_memory_NFS_Unstable_bytes Memory information field NFS_Unstable_bytes.
        # TYPE node_memory_NFS_Unstable_bytes gauge
        node_memory_NFS_Unstable_bytes 0.0
        # HELP node_memory_PageTables_bytes Memory information field PageTables_bytes.
        # TYPE node_memory_PageTables_bytes gauge
        node_memory_PageTables_bytes 4714496.0
        # HELP node_memory_Percpu_bytes Memory information field Percpu_bytes.
        # TYPE node_memory_Percpu_bytes gauge
        node_memory_Percpu_bytes 704512.0
        # HELP node_memory_SReclaimable_bytes Memory information field SReclaimable_bytes.
        # TYPE node_memory_SReclaimable_bytes gauge
        node_memory_SReclaimable_bytes 7.7295616E7
        # HELP node_memory_SUnreclaim_bytes Memory information field SUnreclaim_bytes.
        # TYPE node_memory_SUnreclaim_bytes gauge
        node_memory_SUnreclaim_bytes 2.6304512E7
        # HELP node_memory_SecPageTables_bytes Memory information field SecPageTables_bytes.
        # TYPE node_memory_SecPageTables_bytes gauge
        node_memory_SecPageTables_bytes 0.0
        # HELP node_memory_ShmemHugePages_bytes Memory information field ShmemHugePages_bytes.
        # TYPE node_memory_ShmemHugePages_bytes gauge
        node_memory_ShmemHugePages_bytes 0.0
        # HELP node_memory_ShmemPmdMapped_bytes Memory information field ShmemPmdMapped_bytes.
        # TYPE node_memory_ShmemPmdMapped_bytes gauge
        node_memory_ShmemPmdMapped_bytes 0.0
        # HELP node_memory_Shmem_bytes Memory information field Shmem_bytes.
        # TYPE node_memory_Shmem_bytes gauge
        node_memory_Shmem_bytes 9084928.0
        # HELP node_memory_Slab_bytes Memory information field Slab_bytes.
        # TYPE node_memory_Slab_bytes gauge
        node_memory_Slab_bytes 1.03600128E8
        # HELP node_memory_SwapCached_bytes Memory information field SwapCached_bytes.
        # TYPE node_memory_SwapCached_bytes gauge
        node_memory_SwapCached_bytes 0.0
        # HELP node_memory_SwapFree_bytes Memory information field SwapFree_bytes.
        # TYPE node_memory_SwapFree_bytes gauge
        node_memory_SwapFree_bytes 0.0
        # HELP node_memory_SwapTotal_bytes Memory information field SwapTotal_bytes.
        # TYPE node_memory_SwapTotal_bytes gauge
        node_memory_SwapTotal_bytes 0.0
        # HELP node_memory_Unevictable_bytes Memory information field Unevictable_bytes.
        # TYPE node_memory_Unevictable_bytes gauge
        node_memory_Unevictable_bytes 1.8092032E7
        # HELP node_memory_VmallocChunk_bytes Memory information field VmallocChunk_bytes.
        # TYPE node_memory_VmallocChunk_bytes gauge
        node_memory_VmallocChunk_bytes 0.0
        # HELP node_memory_VmallocTotal_bytes Memory information field VmallocTotal_bytes.
        # TYPE node_memory_VmallocTotal_bytes gauge
        node_memory_VmallocTotal_bytes 3.5184372087808E13
        # HELP node_memory_VmallocUsed_bytes Memory information field VmallocUsed_bytes.
        # TYPE node_memory_VmallocUsed_bytes gauge
        node_memory_VmallocUsed_bytes 1.6519168E7
        # HELP node_memory_WritebackTmp_bytes Memory information field WritebackTmp_bytes.
        # TYPE node_memory_WritebackTmp_bytes gauge
        node_memory_WritebackTmp_bytes 0.0
        # HELP node_memory_Writeback_bytes Memory information field Writeback_bytes.
        # TYPE node_memory_Writeback_bytes gauge
        node_memory_Writeback_bytes 0.0
        # HELP node_memory_Zswap_bytes Memory information field Zswap_bytes.
        # TYPE node_memory_Zswap_bytes gauge
        node_memory_Zswap_bytes 0.0
        # HELP node_memory_Zswapped_bytes Memory information field Zswapped_bytes.
        # TYPE node_memory_Zswapped_bytes gauge
        node_memory_Zswapped_bytes 0.0
        """);
  }

  @Test
  void kilobytesBecomeBytesCountsKeepTheirNameAndParenthesesBecomeUnderscores() {
    Map<String, Double> fields = MeminfoCollector.parseMeminfo(Fixtures.text("nasty/meminfo"));

    assertThat(fields).containsExactly(
        entry("MemTotal_bytes", 16384.0 * 1024),
        entry("Active_anon_bytes", 100.0 * 1024),
        entry("HugePages_Total", 2.0),
        entry("Nr_odd__x_bytes", 3.0 * 1024));
  }

  @Test
  void oshiFallbackUsesTheLinuxNamesThatMeanTheSame() {
    String text = Exposition.text(
        new MeminfoCollector(new SystemInfo().getHardware().getMemory()).collect());

    assertThat(text).contains("node_memory_MemTotal_bytes ", "node_memory_MemAvailable_bytes ",
        "node_memory_SwapTotal_bytes ", "node_memory_SwapFree_bytes ");
  }
}
