package io.github.microc.exporter.app.isolation;

import io.github.microc.exporter.app.PluginSettings;
import io.github.microc.exporter.core.StartupException;
import io.github.microc.exporter.core.engine.CollectorFailure;
import io.github.microc.exporter.core.engine.PluginRuntime;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.StatusTable;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One plugin jar run in a JVM of its own ({@link PluginHost}), seen from Microc: it starts the
 * JVM, learns the jar's plugins, creates their collectors there and asks them to collect,
 * bounding everything it reads (a header line, {@value #MAX_REPLY} bytes an answer, a line of
 * {@value #MAX_LINE} bytes, {@code max-series} samples). When the JVM exits (a plugin's
 * {@code System.exit}, its heap exhausted), answers out of protocol, stops answering, or keeps
 * a collection stuck for five timeouts, it is killed and started again after a backoff that
 * doubles from 1 s to 5 min (back to 1 s once a JVM has run for 10 min), and its collectors
 * created again. Meanwhile its collectors fail at once with the reason. What the JVM prints
 * on standard error is logged, at most 50 lines a minute. Thread-safe.
 */
public final class PluginProcess implements AutoCloseable {

  /** The most bytes one answer may have. */
  static final int MAX_REPLY = 4 << 20;
  /** The longest line of an answer's text. */
  static final int MAX_LINE = 64 << 10;
  private static final int MAX_TEXT = 64 << 10;
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
  private static final Duration HEALTHY_AFTER = Duration.ofMinutes(10);
  /** Long enough for the reader to wait for an exited JVM's status and last words. */
  private static final Duration EXIT_REPORT = Duration.ofSeconds(4);
  /** How long the landing page waits for a table from a plugin's JVM. */
  static final Duration STATUS_WAIT = Duration.ofSeconds(1);
  private static final int LOG_LINES_A_MINUTE = 50;
  private static final Logger log = LoggerFactory.getLogger(PluginProcess.class);

  private final Path jar;
  private final PluginSettings settings;
  private final List<String> command;
  private final AtomicLong ids = new AtomicLong();
  /** The create request of each collector made so far, to make it again in a new JVM. */
  private final Map<String, byte[]> created = new LinkedHashMap<>();

  // Guarded by this.
  /** The JVM {@link #start} made, whose hello {@link #hello()} reads even if it has died since. */
  private Child first;
  private Child child;
  /**
   * Whether the first JVM's hello was read: one that died before it listed its plugins is a
   * start-up error, not started again.
   */
  private boolean greeted;
  /** A JVM started again, until its collectors are created in it. */
  private Child starting;
  private String down;
  private long restarts;
  private int failuresInRow;
  private boolean closed;
  private String lastDeath;
  private final Map<String, String> createErrors = new LinkedHashMap<>();
  /** How many landing-page tables each collector added when it was created. */
  private final Map<String, Integer> tables = new LinkedHashMap<>();
  private volatile int threads = -1;

  private PluginProcess(Path jar, PluginSettings settings, List<String> command) {
    this.jar = jar;
    this.settings = settings;
    this.command = command != null ? List.copyOf(command) : javaCommand(jar, settings);
  }

  private static List<String> javaCommand(Path jar, PluginSettings settings) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(List.of("-XX:+UseSerialGC", "-Xss256k", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
        "-XX:ReservedCodeCacheSize=16m", "-XX:MaxMetaspaceSize=64m", "-XX:-UsePerfData"));
    cmd.addAll(inheritedFlags());
    cmd.addAll(List.of("-Xms" + settings.initialHeap(), "-Xmx" + settings.heap(), "-XX:+ExitOnOutOfMemoryError",
        "-XX:+DisplayVMOutputToStderr"));
    cmd.addAll(settings.jvmOptions());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PluginHost.class.getName(),
        jar.toString()));
    return List.copyOf(cmd);
  }

  /**
   * Microc's own JVM flags (bin/microc's, or {@code MICROC_JVM_FLAGS}), so that a plugin's JVM
   * is as small and maps the same class-data archive, but for its heap, a class-list dump of a
   * training run and agents (a debugger's port is Microc's).
   */
  private static List<String> inheritedFlags() {
    List<String> flags = new ArrayList<>();
    for (String flag : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (flag.startsWith("-Xmx") || flag.startsWith("-Xms") || flag.startsWith("-XX:DumpLoadedClassList")
          || flag.startsWith("-XX:SharedClassListFile") || flag.equals("-Xshare:dump")
          || flag.startsWith("-agentlib") || flag.startsWith("-javaagent") || flag.startsWith("-agentpath")
          || flag.startsWith("-XX:MaxRAM") || flag.startsWith("-XX:InitialHeapSize")
          || flag.startsWith("-XX:MaxHeapSize")) {
        continue;
      }
      flags.add(flag);
    }
    return flags;
  }

  /** Starts the jar's JVM; {@link #hello()} waits for its list of plugins. */
  public static PluginProcess start(Path jar, PluginSettings settings) {
    return start(jar, settings, null);
  }

  /** With another command in place of the plugin's JVM: a test's stand-in that misbehaves. */
  static PluginProcess start(Path jar, PluginSettings settings, List<String> command) {
    PluginProcess process = new PluginProcess(jar, settings, command);
    try {
      synchronized (process) {
        process.first = process.spawn();
        process.child = process.first;
      }
    } catch (IOException e) {
      throw new StartupException("plugin jar " + jar + ": cannot start its JVM: " + e.getMessage(), e);
    }
    return process;
  }

  /** The jar's file name. */
  public String jarName() {
    return jar.getFileName().toString();
  }

  /**
   * The hello lines of the JVM: {@code plugin NAME DEFAULT DESCRIPTION} or
   * {@code broken CLASS REASON}, tab-separated.
   *
   * @throws StartupException when the jar cannot be used, naming it
   */
  public List<String[]> hello() {
    Child c;
    synchronized (this) {
      c = first;
    }
    String text;
    try {
      text = c.awaitHello(settings.startTimeout());
      synchronized (this) {
        greeted = true;
      }
    } catch (TimeoutException e) {
      c.kill();
      throw new StartupException("plugin jar " + jar + ": its JVM did not list its plugins within "
          + settings.startTimeout().toSeconds() + "s (microc.plugins.process.start-timeout)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException("plugin jar " + jar + ": interrupted while it started");
    } catch (ExecutionException e) {
      throw new StartupException("plugin jar " + jar + ": " + e.getCause().getMessage(), e.getCause());
    }
    List<String[]> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split("\t", -1);
      if (fields[0].equals("error")) {
        throw new StartupException(fields.length > 1 ? fields[1] : "plugin jar " + jar + ": cannot be loaded");
      }
      lines.add(fields);
    }
    return lines;
  }

  /**
   * Creates a collector in the JVM.
   *
   * @return null when created, else the kind of failure and its message
   */
  String[] create(String name, String path, HostPaths paths, com.typesafe.config.Config block) {
    byte[] payload = createPayload(path, paths, block);
    Child c;
    synchronized (this) {
      c = child;
      if (c == null) {
        return new String[] {"create-failed", "its JVM is not running: " + down};
      }
    }
    Reply reply = c.request("create", name, payload, 0, settings.startTimeout());
    if (reply.kind.equals("created")) {
      synchronized (this) {
        created.put(name, payload);
        tables.put(name, parseCount(reply.text));
      }
      return null;
    }
    return new String[] {reply.kind, reply.text};
  }

  /** One collection by the named collector, in the current JVM. */
  MetricSnapshots collect(String name, int maxSeries, Duration timeout) {
    Child c;
    synchronized (this) {
      c = child;
      if (c == null) {
        throw new CollectorFailure(down);
      }
      String error = createErrors.get(name);
      if (error != null) {
        throw new CollectorFailure("could not start in its new JVM: " + error);
      }
    }
    Reply reply = c.request("collect", name, new byte[0], maxSeries, null);
    if (reply.snapshots != null) {
      c.answered(name, false, timeout);
      return reply.snapshots;
    }
    if (!reply.kind.equals("interrupted")) {
      c.answered(name, reply.busy(), timeout);
    }
    throw new CollectorFailure(reply.text);
  }

  private static int parseCount(String text) {
    try {
      return Math.max(0, Integer.parseInt(text.strip()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** How many landing-page tables the collector added when it was last created. */
  synchronized int tables(String name) {
    return tables.getOrDefault(name, 0);
  }

  /**
   * The collector's landing-page table {@code index}, made in its JVM.
   *
   * @throws CollectorFailure when there is no answer within {@link #STATUS_WAIT} or it failed there
   */
  StatusTable status(String name, int index) {
    return status(name, index, STATUS_WAIT);
  }

  /** As {@link #status(String, int)}, waiting {@code wait} for the answer. */
  StatusTable status(String name, int index, Duration wait) {
    Child c;
    synchronized (this) {
      c = child;
      if (c == null) {
        throw new CollectorFailure(down);
      }
    }
    Reply reply = c.request("status", name, String.valueOf(index).getBytes(StandardCharsets.US_ASCII), 0, wait);
    if (!reply.kind.equals("status")) {
      throw new CollectorFailure("its JVM made no table: " + reply.text);
    }
    try {
      return Protocol.table(reply.text);
    } catch (IllegalArgumentException e) {
      throw new CollectorFailure("its JVM answered a table out of protocol: " + e.getMessage());
    }
  }

  synchronized String where() {
    Child c = child;
    return "plugin jar " + jarName() + ", " + (c != null ? "its own JVM (pid " + c.process.pid() + ", heap "
        + settings.heap() + ")" : "its own JVM (not running)");
  }

  int threads() {
    return threads;
  }

  synchronized long restarts() {
    return restarts;
  }

  /** Ends the JVM: its standard input closes, and it is killed if it has not exited in 2 s. */
  @Override
  public void close() {
    Child c;
    Child s;
    synchronized (this) {
      closed = true;
      c = child;
      s = starting;
      child = null;
      starting = null;
      down = "closed";
    }
    if (c != null) {
      c.stop();
    }
    if (s != null) {
      s.kill();
    }
  }

  private static byte[] createPayload(String path, HostPaths paths, com.typesafe.config.Config block) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream data = new DataOutputStream(bytes)) {
      data.writeUTF(path);
      data.writeUTF(paths.proc().toString());
      data.writeUTF(paths.sys().toString());
      data.writeUTF(paths.rootfs().toString());
      data.writeUTF(paths.udevData().toString());
      // Typesafe Config serializes with the origins, so that errors name the file and line.
      ObjectOutputStream objects = new ObjectOutputStream(data);
      objects.writeObject(block);
      objects.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bytes.toByteArray();
  }

  private Child spawn() throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command);
    Process process = builder.start();
    return new Child(process);
  }

  /** A JVM ended (or was ended): its collectors fail with the reason until the next one runs. */
  private void died(Child c, String reason) {
    Duration delay;
    synchronized (this) {
      if ((child != c && starting != c) || closed) {
        return;
      }
      child = null;
      starting = null;
      if (c == first && !greeted && c.hello.isCompletedExceptionally()) {
        // Gone before it listed its plugins: hello() reports it as the jar's start-up error.
        down = "its JVM " + reason;
        delay = null;
      } else {
        delay = nextBackoff(c);
        lastDeath = reason;
        down = "its JVM " + reason + " (starting it again in " + delay.toMillis() / 1000.0 + "s)";
        restarts++;
      }
    }
    c.kill();
    if (delay == null) {
      return;
    }
    log.warn("plugin jar {}: its JVM {}; starting it again in {}s", jarName(), reason, delay.toMillis() / 1000.0);
    Thread restart = new Thread(() -> restart(delay), "microc-plugin-restart");
    restart.setDaemon(true);
    restart.start();
  }

  /** Doubles from the first back-off for each death in a row; a JVM that ran a while resets it. */
  private Duration nextBackoff(Child c) {
    if (Duration.ofNanos(System.nanoTime() - c.startedNanos).compareTo(HEALTHY_AFTER) > 0) {
      failuresInRow = 0;
    }
    failuresInRow++;
    return Duration.ofMillis(Math.min(MAX_BACKOFF.toMillis(),
        FIRST_BACKOFF.toMillis() << Math.min(20, failuresInRow - 1)));
  }

  private void restart(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      return;
    }
    Child c;
    Map<String, byte[]> toCreate;
    synchronized (this) {
      if (closed) {
        return;
      }
      try {
        c = spawn();
      } catch (IOException e) {
        down = "its JVM cannot start: " + e.getMessage();
        return;
      }
      starting = c;
      down = "its JVM is starting again (it " + lastDeath + ")";
      toCreate = new LinkedHashMap<>(created);
    }
    try {
      c.awaitHello(settings.startTimeout());
    } catch (Exception e) {
      died(c, "did not start: " + (e.getCause() != null ? e.getCause().getMessage() : e.toString()));
      return;
    }
    Map<String, String> errors = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> entry : toCreate.entrySet()) {
      Reply reply = c.request("create", entry.getKey(), entry.getValue(), 0, settings.startTimeout());
      if (!reply.kind.equals("created")) {
        errors.put(entry.getKey(), reply.text);
      }
    }
    synchronized (this) {
      if (starting != c) {
        return;
      }
      starting = null;
      child = c;
      createErrors.clear();
      createErrors.putAll(errors);
    }
    log.info("plugin jar {}: its JVM runs again (pid {})", jarName(), c.process.pid());
  }

  /** An answer: metrics, or a failure's text, or the outcome of a create. */
  private record Reply(String kind, String text, MetricSnapshots snapshots) {
    boolean busy() {
      return kind.equals("failed") && text.startsWith("previous collection still running");
    }
  }

  /** One JVM and the threads that read from it. */
  private final class Child {
    final Process process;
    final long startedNanos = System.nanoTime();
    final OutputStream in;
    final CompletableFuture<String> hello = new CompletableFuture<>();
    final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Object unanswered = new Object();
    // Guarded by unanswered.
    private int missed;
    private long busySinceNanos;
    private volatile String lastError = "";
    private final Thread errors;

    /**
     * Its hello, within {@code timeout}; a JVM that has exited by then gets the few seconds
     * its reader takes to say why (its exit status and last words) instead of a timeout.
     */
    String awaitHello(Duration timeout)
        throws InterruptedException, ExecutionException, TimeoutException {
      try {
        return hello.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (process.isAlive()) {
          throw e;
        }
        return hello.get(EXIT_REPORT.toMillis(), TimeUnit.MILLISECONDS);
      }
    }

    Child(Process process) {
      this.process = process;
      this.in = process.getOutputStream();
      Thread reader = new Thread(this::read, "microc-plugin-" + jarName());
      reader.setDaemon(true);
      reader.start();
      errors = new Thread(this::relayErrors, "microc-plugin-" + jarName() + "-stderr");
      errors.setDaemon(true);
      errors.start();
    }

    /** Sends a request and waits for its answer; an interrupt cancels it in the JVM. */
    Reply request(String kind, String name, byte[] payload, int maxSeries, Duration wait) {
      long id = ids.incrementAndGet();
      Pending p = new Pending(maxSeries);
      pending.put(id, p);
      try {
        synchronized (in) {
          Protocol.write(in, kind, id, name, payload);
        }
        return wait == null ? p.answer.get() : p.answer.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (IOException e) {
        return new Reply("failed", "its JVM does not take requests: " + e.getMessage(), null);
      } catch (InterruptedException e) {
        // The engine's timeout: the collection is interrupted there too.
        sendQuietly("cancel", id, name);
        missed(name);
        Thread.currentThread().interrupt();
        return new Reply("interrupted", "interrupted", null);
      } catch (TimeoutException e) {
        return new Reply("failed", "no answer within " + wait.toSeconds() + "s", null);
      } catch (ExecutionException e) {
        return new Reply("failed", e.getCause().getMessage(), null);
      } finally {
        pending.remove(id);
      }
    }

    /**
     * A collection had no answer at all within its timeout: twice in a row means the JVM no
     * longer answers (a busy collector is answered at once).
     */
    private void missed(String name) {
      boolean dead;
      synchronized (unanswered) {
        dead = ++missed >= 2;
      }
      if (dead) {
        died(this, "stopped answering (two collections of " + name + " in a row had no answer)");
      }
    }

    /** Called after each answer; five timeouts of a collection still stuck end the JVM. */
    void answered(String name, boolean busy, Duration timeout) {
      boolean stuck;
      synchronized (unanswered) {
        missed = 0;
        long now = System.nanoTime();
        if (!busy) {
          busySinceNanos = 0;
        } else if (busySinceNanos == 0) {
          busySinceNanos = now;
        }
        stuck = busy && now - busySinceNanos > 5 * timeout.toNanos();
      }
      if (stuck) {
        died(this, "kept a collection of " + name + " stuck for more than five timeouts");
      }
    }

    private void sendQuietly(String kind, long id, String name) {
      try {
        synchronized (in) {
          Protocol.write(in, kind, id, name, new byte[0]);
        }
      } catch (IOException ignored) {
        // The reader notices the JVM is gone.
      }
    }

    private void read() {
      String reason;
      try (InputStream out = new BufferedInputStream(process.getInputStream(), 1 << 16)) {
        Protocol.Header header;
        while ((header = Protocol.readHeader(out)) != null) {
          if (header.length() > MAX_REPLY) {
            throw new Protocol.ProtocolException("an answer of " + header.length() + " bytes, more than "
                + MAX_REPLY);
          }
          threads = parseThreads(header.arg());
          Bounded body = new Bounded(out, header.length());
          if (header.kind().equals("hello")) {
            hello.complete(body.text());
          } else {
            Pending p = pending.get(header.id());
            Reply reply;
            if (!header.kind().equals("metrics")) {
              reply = new Reply(header.kind(),
                  body.text(header.kind().equals("status") ? Protocol.MAX_TABLE : MAX_TEXT), null);
            } else if (p == null) {
              reply = null;
            } else {
              try {
                reply = new Reply("metrics", null, OpenMetricsParser.parse(body, p.maxSeries, MAX_LINE));
              } catch (OpenMetricsParser.Malformed e) {
                reply = new Reply("failed", "its answer could not be read: " + e.getMessage(), null);
              }
            }
            body.skipRest();
            if (p != null && reply != null) {
              p.answer.complete(reply);
            }
          }
        }
        reason = "exited";
      } catch (Protocol.ProtocolException e) {
        // Nothing it says can be trusted any more.
        kill();
        reason = "answered out of protocol (and was killed): " + e.getMessage();
      } catch (IOException e) {
        reason = "closed its output: " + e.getMessage();
      }
      String exit = reason.equals("exited") || reason.startsWith("closed") ? exitStatus() : "";
      String why = reason + exit + (lastError.isEmpty() ? "" : "; its last words: " + lastError);
      IllegalStateException gone = new IllegalStateException(why);
      hello.completeExceptionally(gone);
      pending.values().forEach(p -> p.answer.complete(new Reply("failed", "its JVM " + why, null)));
      died(this, why);
    }

    private String exitStatus() {
      try {
        if (process.waitFor(2, TimeUnit.SECONDS)) {
          // Its last lines on standard error say why, such as an OutOfMemoryError.
          errors.join(3000);
          return " with status " + process.exitValue();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "";
    }

    private void relayErrors() {
      long windowStart = System.nanoTime();
      int lines = 0;
      int suppressed = 0;
      try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = readBounded(err)) != null) {
          lastError = line.length() > 300 ? line.substring(0, 300) + "..." : line;
          if (System.nanoTime() - windowStart > TimeUnit.MINUTES.toNanos(1)) {
            if (suppressed > 0) {
              log.warn("plugin jar {}: {} more lines from its JVM were not logged", jarName(), suppressed);
            }
            windowStart = System.nanoTime();
            lines = 0;
            suppressed = 0;
          }
          if (++lines <= LOG_LINES_A_MINUTE) {
            log.info("plugin jar {}: {}", jarName(), lastError);
          } else {
            suppressed++;
          }
        }
      } catch (IOException ignored) {
        // The JVM is gone; the reader reports it.
      }
    }

    private String readBounded(BufferedReader reader) throws IOException {
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = reader.read()) >= 0 && c != '\n') {
        if (line.length() < 4096) {
          line.append((char) c);
        }
      }
      return c < 0 && line.length() == 0 ? null : line.toString();
    }

    void kill() {
      process.destroyForcibly();
    }

    void stop() {
      try {
        in.close();
        if (!process.waitFor(2, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (IOException e) {
        process.destroyForcibly();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static int parseThreads(String arg) {
    try {
      return Integer.parseInt(arg);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A request waiting for its answer. */
  private static final class Pending {
    final int maxSeries;
    final CompletableFuture<Reply> answer = new CompletableFuture<>();

    Pending(int maxSeries) {
      this.maxSeries = maxSeries;
    }
  }

  /** One answer's payload: never more than its length is read from the JVM's output. */
  private static final class Bounded extends FilterInputStream {
    private long left;

    Bounded(InputStream in, long length) {
      super(in);
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new IOException("the stream ended inside an answer");
      }
      left--;
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(buffer, offset, (int) Math.min(length, left));
      if (n < 0) {
        throw new IOException("the stream ended inside an answer");
      }
      left -= n;
      return n;
    }

    /** The payload as text, its first {@value #MAX_TEXT} bytes. */
    String text() throws IOException {
      return text(MAX_TEXT);
    }

    /** The payload as text, its first {@code max} bytes. */
    String text(int max) throws IOException {
      byte[] bytes = readNBytes(max);
      return new String(bytes, StandardCharsets.UTF_8);
    }

    void skipRest() throws IOException {
      byte[] scratch = new byte[8192];
      while (read(scratch, 0, scratch.length) > 0) {
        // Discarded: an answer nobody waits for any more, or past what was read of it.
      }
    }

    @Override
    public void close() {
      // The JVM's output stays open for the next answer.
    }
  }
}
