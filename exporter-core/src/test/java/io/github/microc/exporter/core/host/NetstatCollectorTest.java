package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetstatCollectorTest {

  /** node_exporter 1.5's --collector.netstat.fields default. */
  private static final Pattern DEFAULT = Pattern.compile("^(.*_(InErrors|InErrs)|Ip_Forwarding"
      + "|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*"
      + "|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens"
      + "|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$");

  @Test
  void capturedFilesGiveTheDefaultFieldsOfAllThree() {
    NetstatCollector collector = new NetstatCollector(Fixtures.host().proc("net"), DEFAULT);

    String text = Exposition.text(collector.collect());

    assertThat(text).contains("""
        # HELP node_netstat_IpExt_InOctets Statistic IpExtInOctets.
        # TYPE node_netstat_IpExt_InOctets untyped
        node_netstat_IpExt_InOctets 1.95055638E8
        """, """
        # HELP node_netstat_Ip6_InOctets Statistic Ip6InOctets.
        # TYPE node_netstat_Ip6_InOctets untyped
        node_netstat_Ip6_InOctets 2508.0
        """, "node_netstat_Ip_Forwarding 1.0", "node_netstat_Icmp6_InMsgs 1.0",
        "node_netstat_TcpExt_SyncookiesSent 0.0", "node_netstat_Tcp_CurrEstab ",
        "node_netstat_UdpLite6_InErrors 0.0", "node_netstat_UdpLite_InErrors 0.0");
    assertThat(text).doesNotContain("Tcp_RtoMin", "TcpExt_TW ", "Ip6_InReceives");
    assertThat(text.lines().filter(l -> l.startsWith("node_"))).hasSize(40);
    // The header caches serve the second scrape.
    assertThat(Exposition.text(collector.collect())).isEqualTo(text);
  }

  @Test
  void aProtocolSeenAgainReplacesTheEarlierOneAndANameListedTwiceTakesTheLaterValue(
      @TempDir Path net) throws IOException {
    Files.writeString(net.resolve("netstat"), "TcpExt: ListenDrops\nTcpExt: 5\n");
    Files.writeString(net.resolve("snmp"), "Tcp: InErrs CurrEstab\nTcp: 3 4\nTcp: InErrs\nTcp: 7\n");
    Files.writeString(net.resolve("snmp6"), "Ip6InOctets 3\nIp6InOctets 4\nFoo 1\nUdp6InErrors\n");

    String text = Exposition.text(new NetstatCollector(net, DEFAULT).collect());

    assertThat(text).contains("node_netstat_TcpExt_ListenDrops 5.0", "node_netstat_Tcp_InErrs 7.0",
        "node_netstat_Ip6_InOctets 4.0").doesNotContain("CurrEstab", "Foo", "Udp6_InErrors");
  }

  @Test
  void snmp6IsOptionalButNetstatAndSnmpAreNot(@TempDir Path net) throws IOException {
    Files.writeString(net.resolve("snmp"), "Ip: Forwarding\nIp: 2\n");
    assertThatThrownBy(() -> new NetstatCollector(net, DEFAULT).collect())
        .hasMessageContaining("netstat");

    Files.writeString(net.resolve("netstat"), "");
    assertThat(Exposition.text(new NetstatCollector(net, DEFAULT).collect()))
        .contains("node_netstat_Ip_Forwarding 2.0");
  }

  @Test
  void aValueLineOfAnotherLengthOrAValueThatIsNotANumberIsAnError(@TempDir Path net)
      throws IOException {
    Files.writeString(net.resolve("netstat"), "");
    Files.writeString(net.resolve("snmp"), "Ip: Forwarding DefaultTTL\nIp: 1\n");
    assertThatThrownBy(() -> new NetstatCollector(net, DEFAULT).collect())
        .hasMessageContaining("mismatch field count mismatch in").hasMessageContaining("Ip");

    Files.writeString(net.resolve("snmp"), "Ip: Forwarding DefaultTTL\nIp: 1 sixty-four\n");
    assertThatThrownBy(() -> new NetstatCollector(net, DEFAULT).collect())
        .hasMessageContaining("\"sixty-four\"");

    // Split on single spaces, as node_exporter: two spaces make an empty field.
    Files.writeString(net.resolve("snmp"), "Ip: Forwarding\nIp:  1\n");
    assertThatThrownBy(() -> new NetstatCollector(net, DEFAULT).collect())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theFieldsKeyPicksProtocolUnderscoreField(@TempDir Path net) throws IOException {
    Files.writeString(net.resolve("netstat"), "TcpExt: TW PruneCalled\nTcpExt: 178 2\n");
    Files.writeString(net.resolve("snmp"), "Tcp: RtoMin\nTcp: 200\n");

    String text = Exposition.text(new NetstatCollector(net, Pattern.compile("^Tcp(Ext)?_(TW|RtoMin)$")).collect());

    assertThat(text).contains("node_netstat_TcpExt_TW 178.0", "node_netstat_Tcp_RtoMin 200.0")
        .doesNotContain("PruneCalled");
  }
}
