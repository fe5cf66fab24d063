package io.github.microc.exporter.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which Accept headers get the text format 0.0.4, as node_exporter 1.5 decides. */
class NegotiationTest {

  @Test
  void prometheusHeaderThatPrefersOpenMetricsGetsText() {
    assertThat(TextResponse.acceptsText("application/openmetrics-text;version=1.0.0,"
        + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"))
        .isTrue();
  }

  @Test
  void protobufBeforeTextIsLeftToClientJava() {
    assertThat(TextResponse.acceptsText("application/vnd.google.protobuf;"
        + "proto=io.prometheus.client.MetricFamily;encoding=delimited,"
        + "application/openmetrics-text;version=1.0.0;q=0.8,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"))
        .isFalse();
  }

  @Test
  void qualityDecidesNotPosition() {
    assertThat(TextResponse.acceptsText("text/plain;version=0.0.4;q=0.3,"
        + "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7"))
        .isFalse();
    assertThat(TextResponse.acceptsText("application/vnd.google.protobuf;"
        + "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.2,text/plain;q=0.9"))
        .isTrue();
  }

  @Test
  void openMetricsAloneGetsOpenMetrics() {
    assertThat(TextResponse.acceptsText("application/openmetrics-text; version=1.0.0; charset=utf-8"))
        .isFalse();
    assertThat(TextResponse.acceptsText("application/openmetrics-text, text/plain;q=0")).isFalse();
  }

  @Test
  void noHeaderAWildcardOrABrowserGetsText() {
    assertThat(TextResponse.acceptsText(null)).isTrue();
    assertThat(TextResponse.acceptsText("")).isTrue();
    assertThat(TextResponse.acceptsText("*/*")).isTrue();
    assertThat(TextResponse.acceptsText(
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8")).isTrue();
  }

  @Test
  void anotherTextVersionIsSkippedAsByNodeExporter() {
    assertThat(TextResponse.acceptsText("text/plain;version=1.0.0,"
        + "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5"))
        .isFalse();
    assertThat(TextResponse.acceptsText("text/plain; version=\"0.0.4\"")).isTrue();
  }

  @Test
  void badQualityIsNotAcceptable() {
    assertThat(TextResponse.acceptsText("text/plain;q=x, application/openmetrics-text")).isFalse();
  }
}
