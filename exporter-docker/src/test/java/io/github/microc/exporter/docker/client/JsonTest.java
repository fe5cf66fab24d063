package io.github.microc.exporter.docker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Nested
  class Values {

    @Test
    void objectsKeepTheirOrderAndNest() {
      Object v = Json.parse(" {\"b\": 1, \"a\": [true, false, null, \"x\"], \"c\": {}} ");
      assertThat(v).isInstanceOf(Map.class);
      Map<String, Object> m = Json.object(v);
      assertThat(m.keySet()).containsExactly("b", "a", "c");
      assertThat(Json.array(m.get("a"))).containsExactly(true, false, null, "x");
      assertThat(Json.object(m, "c")).isEmpty();
    }

    @Test
    void wholeNumbersAreLongsAndOthersDoubles() {
      List<Object> v = Json.array(Json.parse(
          "[0, -7, 9223372036854775807, 18446744073709551615, 1.5, -2e3, 1E-2]"));
      assertThat(v).containsExactly(0L, -7L, Long.MAX_VALUE, 1.8446744073709552E19, 1.5, -2000.0,
          0.01);
    }

    @Test
    void escapesAreDecoded() {
      assertThat(Json.parse("\"q\\\" b\\\\ s\\/ n\\n t\\t u\\u00e9\\ud83d\\ude00 r\\r\\b\\f\""))
          .isEqualTo("q\" b\\ s/ n\n t\t u\u00e9\ud83d\ude00 r\r\b\f");
    }

    @Test
    void textOutsideAsciiPassesThrough() {
      assertThat(Json.parse("\"żółw 🐢\"")).isEqualTo("żółw 🐢");
    }

    @Test
    void quoteIsReadBackAsTheSameString() {
      String nasty = "a\"b\\c\nd\u0001e/ü";
      assertThat(Json.parse(Json.quote(nasty))).isEqualTo(nasty);
    }
  }

  @Nested
  class Accessors {

    private final Map<String, Object> m = Json.object(Json.parse(
        "{\"s\": \"x\", \"n\": 42, \"big\": 18446744073709551615, \"t\": true, \"z\": null,"
            + " \"labels\": {\"a\": \"1\", \"b\": 2}}"));

    @Test
    void aMissingOrMistypedFieldGivesTheFallback() {
      assertThat(Json.string(m, "s", "-")).isEqualTo("x");
      assertThat(Json.string(m, "n", "-")).isEqualTo("-");
      assertThat(Json.string(m, "z", "-")).isEqualTo("-");
      assertThat(Json.string(m, "missing", null)).isNull();
      assertThat(Json.number(m, "n", -1)).isEqualTo(42);
      assertThat(Json.number(m, "s", -1)).isEqualTo(-1);
      assertThat(Json.number(m, "big", -1)).isEqualTo(Long.MAX_VALUE);
      assertThat(Json.isTrue(m, "t")).isTrue();
      assertThat(Json.isTrue(m, "s")).isFalse();
      assertThat(Json.object(m, "s")).isEmpty();
      assertThat(Json.array(m.get("labels"))).isEmpty();
    }

    @Test
    void stringsKeepOnlyStringValues() {
      assertThat(Json.strings(m, "labels")).containsExactly(Map.entry("a", "1"));
      assertThat(Json.strings(m, "missing")).isEmpty();
    }
  }

  @Nested
  class Errors {

    @Test
    void eachSaysWhatAndWhere() {
      assertThatThrownBy(() -> Json.parse("{\"a\" 1}"))
          .isInstanceOf(DockerException.class)
          .hasMessage("not valid JSON: expected ':' but found '1' at offset 5");
      assertThatThrownBy(() -> Json.parse("[1, 2")).hasMessageContaining("the text ended");
      assertThatThrownBy(() -> Json.parse("[1] x")).hasMessage("not valid JSON: text after the value at offset 4");
      assertThatThrownBy(() -> Json.parse("\"a\nb\"")).hasMessageContaining("a control character");
      assertThatThrownBy(() -> Json.parse("\"\\x\"")).hasMessageContaining("unknown escape '\\x'");
      assertThatThrownBy(() -> Json.parse("\"\\u12g4\"")).hasMessageContaining("not a hex digit");
      assertThatThrownBy(() -> Json.parse("01")).hasMessageContaining("leading zero");
      assertThatThrownBy(() -> Json.parse("1.")).hasMessageContaining("after the decimal point");
      assertThatThrownBy(() -> Json.parse("tru")).hasMessage("not valid JSON: unexpected end in true at offset 3");
      assertThatThrownBy(() -> Json.parse("nul!")).hasMessage("not valid JSON: unexpected '!' in null at offset 3");
      assertThatThrownBy(() -> Json.parse("x")).hasMessage("not valid JSON: unexpected 'x' at offset 0");
      assertThatThrownBy(() -> Json.parse("{,}")).hasMessageContaining("expected a field name");
      assertThatThrownBy(() -> Json.parse("")).hasMessageContaining("the text ended");
    }

    @Test
    void nestingIsBounded() {
      int depth = Json.MAX_DEPTH + 1;
      char[] open = new char[depth];
      char[] close = new char[depth];
      Arrays.fill(open, '[');
      Arrays.fill(close, ']');
      assertThatThrownBy(() -> Json.parse(new String(open) + new String(close)))
          .hasMessageContaining("nested deeper than " + Json.MAX_DEPTH);
      String fits = new String(open, 0, Json.MAX_DEPTH) + new String(close, 0, Json.MAX_DEPTH);
      assertThat(Json.parse(fits)).isInstanceOf(List.class);
    }
  }

  @Nested
  class Streams {

    private Json.Source source(byte[] bytes) {
      java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(bytes);
      return in::read;
    }

    @Test
    void aListingKeepsOnlyTheFieldsAskedForAndStillChecksTheRest() throws IOException {
      String listing = "[{\"Id\":\"a\",\"Mounts\":[{\"x\":[1,2.5e3,\"\\u00e9\"]}],\"State\":\"running\","
          + "\"NetworkSettings\":{\"Networks\":{\"bridge\":{\"IPAddress\":\"10.0.0.2\"}}}}]";
      Object v = Json.parseArrayOf(source(listing.getBytes(StandardCharsets.UTF_8)), 1 << 20,
          java.util.Set.of("Id", "State"));
      assertThat(Json.object(Json.array(v).get(0))).containsExactly(Map.entry("Id", "a"),
          Map.entry("State", "running"));
      assertThatThrownBy(() -> Json.parseArrayOf(source("[{\"Id\":\"a\",\"Skipped\":[1,}]"
          .getBytes(StandardCharsets.UTF_8)), 1 << 20, java.util.Set.of("Id")))
          .hasMessageContaining("unexpected '}'");
      byte[] invalid = "[{\"Skipped\":\"a?\"}]".getBytes(StandardCharsets.UTF_8);
      invalid[14] = (byte) 0xff;
      assertThatThrownBy(() -> Json.parseArrayOf(source(invalid), 1 << 20, java.util.Set.of("Id")))
          .hasMessage("not valid JSON: not valid UTF-8 at offset 14");
    }

    @Test
    void valuesAreBoundedByWhatTheyWouldTakeOnTheHeap() {
      String many = "[" + "\"abcdefgh\",".repeat(20_000) + "\"end\"]";
      assertThatThrownBy(() -> Json.parse(source(many.getBytes(StandardCharsets.UTF_8)), 64 << 10))
          .hasMessageStartingWith("an answer whose values would take more than 64 KiB of memory");
    }

    @Test
    void aStreamOfValuesIsReadOneAtATimeEachBounded() throws IOException {
      Json events = Json.stream(source(("{\"a\":1}\n {\"b\":2}\n\"" + "x".repeat(40_000) + "\"")
          .getBytes(StandardCharsets.UTF_8)), 16 << 10, 1 << 20);
      assertThat(events.hasNext()).isTrue();
      assertThat(events.next()).isEqualTo(Map.of("a", 1L));
      assertThat(events.hasNext()).isTrue();
      assertThat(events.next()).isEqualTo(Map.of("b", 2L));
      assertThatThrownBy(() -> {
        events.hasNext();
        events.next();
      }).hasMessageStartingWith("a value longer than 16 KiB");
    }

    @Test
    void invalidUtf8IsRefusedWhereItIs() {
      for (byte[] bad : new byte[][] {{(byte) 0xc3, (byte) 0x28}, {(byte) 0xc0, (byte) 0xaf},
          {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
          {(byte) 0x80}, {(byte) 0xe2, (byte) 0x82}}) {
        byte[] text = new byte[bad.length + 3];
        text[0] = '"';
        text[1] = 'a';
        System.arraycopy(bad, 0, text, 2, bad.length);
        text[text.length - 1] = '"';
        assertThatThrownBy(() -> Json.parse(source(text), 1 << 20))
            .as(Arrays.toString(bad)).hasMessage("not valid JSON: not valid UTF-8 at offset 2");
      }
    }
  }

  /** A real answer of {@code GET /containers/{id}/stats}: every field where the poller reads it. */
  @Test
  void readsARealStatsAnswer() throws IOException {
    String text;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/docker-stats-v1.json")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Map<String, Object> root = Json.object(Json.parse(text));
    assertThat(Json.number(Json.object(Json.object(root, "cpu_stats"), "cpu_usage"), "total_usage", -1))
        .isEqualTo(59_502_537_748L);
    assertThat(Json.object(root, "networks")).containsKey("eth0");
  }
}
