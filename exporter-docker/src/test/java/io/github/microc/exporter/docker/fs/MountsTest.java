package io.github.microc.exporter.docker.fs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MountsTest {

  static final String MOUNTINFO = """
      22 27 0:21 / /proc rw,relatime - proc proc rw
      27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
      25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw
      45 27 254:0 /var/lib/docker /var/lib/docker rw,relatime shared:1 - ext4 /dev/vda rw
      46 27 8:17 / /srv/data\\040files rw,relatime - xfs /dev/sdb1 rw
      49 45 0:40 / /var/lib/docker/overlay2/5454/merged rw,relatime shared:2 - overlay overlay rw,lowerdir=/l
      50 27 8:17 /sub /mnt/bind rw,relatime - xfs /dev/sdb1 rw
      """;

  @Test
  void theDeepestMountHoldsAPath() {
    Mounts m = Mounts.parse(MOUNTINFO);
    assertThat(m.holding("/var/lib/docker/overlay2/5454/diff").source()).isEqualTo("/dev/vda");
    assertThat(m.holding("/var/lib/docker/overlay2/5454/merged/etc").fsType()).isEqualTo("overlay");
    assertThat(m.holding("/srv/data files/x").source()).isEqualTo("/dev/sdb1");
    assertThat(m.holding("/srv/data").mountPoint()).isEqualTo("/");
    assertThat(m.holding("/var/lib/dockerx").mountPoint()).isEqualTo("/");
  }

  @Test
  void theRootCgroupsFileSystemsAreBlockDevicesEachOnce() {
    assertThat(Mounts.parse(MOUNTINFO).diskFilesystems()).extracting(Mounts.Mount::source)
        .containsExactly("/dev/vda", "/dev/sdb1");
  }
}
