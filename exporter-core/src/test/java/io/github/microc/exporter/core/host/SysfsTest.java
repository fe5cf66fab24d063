package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SysfsTest {

  private static final long NAN = PseudoFiles.NOT_A_NUMBER;

  @Test
  void integersAreReadAsGoReadsThemWithBaseZero() {
    assertThat(Sysfs.parseInt("1500")).isEqualTo(1500);
    assertThat(Sysfs.parseInt("-1")).isEqualTo(-1);
    assertThat(Sysfs.parseInt("+7")).isEqualTo(7);
    assertThat(Sysfs.parseInt("0")).isZero();
    assertThat(Sysfs.parseInt("0x1003")).isEqualTo(4099);
    assertThat(Sysfs.parseInt("0X1f")).isEqualTo(31);
    assertThat(Sysfs.parseInt("010")).isEqualTo(8);
    assertThat(Sysfs.parseInt("0o17")).isEqualTo(15);
    assertThat(Sysfs.parseInt("0b101")).isEqualTo(5);
    assertThat(Sysfs.parseInt("1_000")).isEqualTo(1000);
    assertThat(Sysfs.parseInt("0x_ff")).isEqualTo(255);
    assertThat(Sysfs.parseInt("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    assertThat(Sysfs.parseInt("-9223372036854775807")).isEqualTo(-Long.MAX_VALUE);
  }

  @Test
  void whatGoRejectsIsNotANumber() {
    for (String bad : List.of("", "-", "+", "abc", "08", "0x", "0b2", "1.5", " 1", "1_", "_1", "1__0",
        "9223372036854775808", "18446744073709551615", "١٢٣", "0x_")) {
      assertThat(Sysfs.parseInt(bad)).as(bad).isEqualTo(NAN);
    }
    assertThat(Sysfs.parseInt(null)).isEqualTo(NAN);
  }

  @Test
  void floatsAreReadAsGoReadsThem() {
    assertThat(Sysfs.parseFloat("45000")).isEqualTo(45000.0);
    assertThat(Sysfs.parseFloat("-5000")).isEqualTo(-5000.0);
    assertThat(Sysfs.parseFloat("4.5e4")).isEqualTo(45000.0);
    assertThat(Sysfs.parseFloat(".5")).isEqualTo(0.5);
    assertThat(Sysfs.parseFloat("1.")).isEqualTo(1.0);
    assertThat(Sysfs.parseFloat("1_000.5")).isEqualTo(1000.5);
    assertThat(Sysfs.parseFloat("0x1.8p1")).isEqualTo(3.0);
    assertThat(Sysfs.parseFloat("+Inf")).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(Sysfs.parseFloat("-infinity")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(Sysfs.parseFloat("NaN")).isNaN();
    for (String bad : List.of("", " 1", "1 ", "1\n", "abc", ".", "e5", "1e", "1e+", "0x1f", "5d", "1f",
        "Infinity1", "+nan", "1__0", "_1", "1e400", "0x", "--1")) {
      assertThat(Sysfs.parseFloat(bad)).as(bad).isNull();
    }
    assertThat(Sysfs.parseFloat(null)).isNull();
  }

  @Test
  void aValueIsItsFirst128BytesStripped() {
    assertThat(Sysfs.value("  up\n")).isEqualTo("up");
    assertThat(Sysfs.value("x".repeat(200))).hasSize(128);
    // 2-byte characters: 64 of them fill the 128 bytes; a character is never cut in half.
    assertThat(Sysfs.value("ü".repeat(100))).isEqualTo("ü".repeat(64));
    assertThat(Sysfs.firstBytes("a" + "ü".repeat(100), 128)).isEqualTo("a" + "ü".repeat(63));
    assertThat(Sysfs.firstBytes("😀".repeat(40), 128)).isEqualTo("😀".repeat(32));
  }

  @Test
  void aFileThatCannotBeReadHasNoValue(@TempDir Path dir) throws IOException {
    Files.createDirectory(dir.resolve("speed"));
    Files.writeString(dir.resolve("mtu"), "1500\n");
    try (PseudoFile directory = new PseudoFile(dir.resolve("speed"));
        PseudoFile missing = new PseudoFile(dir.resolve("carrier"));
        PseudoFile mtu = new PseudoFile(dir.resolve("mtu"))) {
      assertThat(Sysfs.read(directory)).isNull();
      assertThat(Sysfs.read(missing)).isNull();
      assertThat(Sysfs.read(mtu)).isEqualTo("1500");
    }
    assertThat(Sysfs.read(dir.resolve("mtu"))).isEqualTo("1500");
    assertThat(Sysfs.read(dir.resolve("speed"))).isNull();
  }

  @Test
  void devicesAreTheEntriesThatAreNotRegularFiles(@TempDir Path dir) throws IOException {
    Files.createDirectory(dir.resolve("b0"));
    Files.createSymbolicLink(dir.resolve("a0"), dir.resolve("b0"));
    Files.writeString(dir.resolve("bonding_masters"), "");

    assertThat(Sysfs.devices(dir)).containsExactly("a0", "b0");
  }
}
