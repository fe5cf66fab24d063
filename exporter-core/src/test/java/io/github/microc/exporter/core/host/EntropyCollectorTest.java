package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EntropyCollectorTest {

  @Test
  void capturedEntropyAndPoolSize() {
    String text = Exposition.text(new EntropyCollector(Fixtures.host().proc("sys", "kernel", "random")).collect());

    assertThat(text).isEqualTo("""
        # HELP node_entropy_available_bits Bits of available entropy.
        # TYPE node_entropy_available_bits gauge
        node_entropy_available_bits 256.0
        # HELP node_entropy_pool_size_bits Bits of entropy pool.
        # TYPE node_entropy_pool_size_bits gauge
        node_entropy_pool_size_bits 256.0
        """);
  }

  @Test
  void withoutThePoolSizeTheAvailableBitsAreKeptAndTheCollectionFails(@TempDir Path random)
      throws IOException {
    Files.writeString(random.resolve("entropy_avail"), "4096\n");

    assertThatThrownBy(() -> new EntropyCollector(random).collect())
        .isInstanceOfSatisfying(PartialCollectionException.class, e -> assertThat(
            Exposition.text(e.collected())).contains("node_entropy_available_bits 4096.0"));
  }

  @Test
  void aValueThatIsNotAnUnsignedIntegerFails(@TempDir Path random) throws IOException {
    Files.writeString(random.resolve("entropy_avail"), "-1\n");

    assertThatThrownBy(() -> new EntropyCollector(random).collect())
        .hasMessageContaining("not an unsigned integer: \"-1\"");
  }
}
