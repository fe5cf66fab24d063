package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import org.junit.jupiter.api.Test;

class InterruptsCollectorTest {

  @Test
  void capturedInterruptsPerCpuWithTheirControllerAndDevices() {
    String text = Exposition.text(new InterruptsCollector(Fixtures.host().proc("interrupts")).collect());

    assertThat(text).startsWith("""
        # HELP node_interrupts_total Interrupt details.
        # TYPE node_interrupts_total counter
        """).contains(
        "node_interrupts_total{cpu=\"0\",devices=\"5-edge ACPI:Ged\",info=\"IO-APIC\",type=\"24\"} 1.0",
        "node_interrupts_total{cpu=\"1\",devices=\"5-edge ACPI:Ged\",info=\"IO-APIC\",type=\"24\"} 0.0",
        "{cpu=\"0\",devices=\"\",info=\"Non-maskable interrupts\",type=\"NMI\"}")
        .doesNotContain("type=\"ERR\"", "type=\"MIS\"");
    assertThat(text.lines().filter(l -> l.startsWith("node_"))).hasSize(66);
  }

  @Test
  void aNamedInterruptTakesAllItsWordsAsInfoAndANumberedOneSplitsThem() {
    var parsed = InterruptsCollector.parseInterrupts("""
                   CPU0       CPU1
          0:         10          0   IO-APIC   2-edge      timer
        LOC:     206107     211984   Local timer interrupts
        ERR:          0
         42:          1          2   PCI-MSI 65536-edge      nvme0q0, nvme1q0
        """);

    assertThat(parsed.keySet()).containsExactly("0", "LOC", "42");
    assertThat(parsed.get("LOC").info()).isEqualTo("Local timer interrupts");
    assertThat(parsed.get("LOC").devices()).isEmpty();
    assertThat(parsed.get("42").info()).isEqualTo("PCI-MSI");
    assertThat(parsed.get("42").devices()).isEqualTo("65536-edge nvme0q0, nvme1q0");
    assertThat(parsed.get("0").counts()).containsExactly("10", "0");
  }

  @Test
  void anEmptyFileIsAnError() {
    assertThatThrownBy(() -> InterruptsCollector.parseInterrupts("")).hasMessageContaining("interrupts empty");
  }
}
