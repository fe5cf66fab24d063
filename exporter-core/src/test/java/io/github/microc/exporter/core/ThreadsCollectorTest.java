package io.github.microc.exporter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.microc.exporter.core.ThreadsCollector.Census;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.AbstractOwnableSynchronizer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** {@link ThreadsCollector} against client_java's JvmThreadsMetrics, in the same JVM. */
class ThreadsCollectorTest {

  @Test
  void sameFamiliesAsClientJava() {
    Map<String, MetricSnapshot> ours = byName(ours());
    Map<String, MetricSnapshot> theirs = byName(theirs());

    assertThat(ours.keySet()).containsExactlyInAnyOrderElementsOf(theirs.keySet()).hasSize(7);
    for (String name : ours.keySet()) {
      MetricSnapshot a = ours.get(name);
      MetricSnapshot b = theirs.get(name);
      assertThat(a.getClass()).as(name).isEqualTo(b.getClass());
      assertThat(a.getMetadata().getHelp()).as(name).isEqualTo(b.getMetadata().getHelp());
      assertThat(labels(a)).as(name).isEqualTo(labels(b));
    }
    assertThat(value(ours, "jvm_threads_deadlocked")).isZero().isEqualTo(value(theirs, "jvm_threads_deadlocked"));
    assertThat(value(ours, "jvm_threads_deadlocked_monitor")).isZero();
    assertThat(value(ours, "jvm_threads_current")).isPositive();
  }

  /**
   * Deadlocked threads stay so for the life of their JVM, so each deadlock is made in a JVM of its
   * own: {@link Deadlocks#main} prints both collectors' counts, then how many times ours ran each
   * search and asked for thread infos.
   */
  @Test
  void monitorDeadlockCountedAsClientJavaCountsIt() throws Exception {
    assertThat(deadlocks("monitors")).isEqualTo("2.0 2.0 2.0 2.0 searches=1,1 infos=0");
  }

  /** No thread is blocked on a monitor, so the monitor search is not run. */
  @Test
  void lockDeadlockIsNoMonitorDeadlock() throws Exception {
    assertThat(deadlocks("locks")).isEqualTo("2.0 0.0 2.0 0.0 searches=1,0 infos=0");
  }

  @Test
  void deadlocksOfBothKindsCountedAsClientJavaCountsThem() throws Exception {
    // 4 threads in deadlocks, 2 of them on monitors; the same from client_java.
    assertThat(deadlocks("both")).isEqualTo("4.0 2.0 4.0 2.0 searches=1,1 infos=0");
  }

  @Test
  void threadsBlockedOrParkedWithoutADeadlockCountNone() throws Exception {
    Object monitor = new Object();
    ReentrantLock lock = new ReentrantLock();
    ReentrantLock conditionLock = new ReentrantLock();
    Condition condition = conditionLock.newCondition();
    try (Crowd crowd = new Crowd()) {
      CountDownLatch held = new CountDownLatch(2);
      crowd.start(() -> {
        synchronized (monitor) {
          held.countDown();
          crowd.awaitRelease();
        }
      });
      crowd.start(() -> {
        lock.lock();
        try {
          held.countDown();
          crowd.awaitRelease();
        } finally {
          lock.unlock();
        }
      });
      held.await();
      List<Thread> blocked = new ArrayList<>();
      List<Thread> parked = new ArrayList<>();
      List<Thread> awaiting = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        blocked.add(crowd.start(() -> {
          synchronized (monitor) {
            monitor.hashCode();
          }
        }));
      }
      for (int i = 0; i < 2; i++) {
        parked.add(crowd.start(() -> {
          lock.lock();
          lock.unlock();
        }));
        awaiting.add(crowd.start(() -> {
          conditionLock.lock();
          try {
            condition.await();
          } finally {
            conditionLock.unlock();
          }
        }));
      }
      crowd.onClose(() -> {
        conditionLock.lock();
        condition.signalAll();
        conditionLock.unlock();
      });
      for (Thread t : blocked) {
        awaitUntil(t + " blocked", () -> t.getState() == Thread.State.BLOCKED);
      }
      for (Thread t : parked) {
        awaitUntil(t + " parked on the lock", () -> t.getState() == Thread.State.WAITING
            && LockSupport.getBlocker(t) instanceof AbstractOwnableSynchronizer);
      }
      for (Thread t : awaiting) {
        awaitUntil(t + " awaiting the condition", () -> t.getState() == Thread.State.WAITING
            && LockSupport.getBlocker(t) != null
            && !(LockSupport.getBlocker(t) instanceof AbstractOwnableSynchronizer));
      }

      CountingBean bean = new CountingBean(IntUnaryOperator.identity());
      ThreadsCollector collector = new ThreadsCollector(bean.proxy(), systemGroup());
      Map<String, MetricSnapshot> ours = byName(collector.collect());
      Map<String, MetricSnapshot> theirs = byName(theirs());

      // Five threads wait to lock, so the search ran, and found nothing.
      assertThat(bean.calls("findDeadlockedThreads")).isEqualTo(1);
      assertThat(bean.calls("findMonitorDeadlockedThreads")).isZero();
      assertThat(bean.calls("getThreadInfo")).isZero();
      assertThat(value(ours, "jvm_threads_deadlocked")).isZero().isEqualTo(value(theirs, "jvm_threads_deadlocked"));
      assertThat(value(ours, "jvm_threads_deadlocked_monitor")).isZero()
          .isEqualTo(value(theirs, "jvm_threads_deadlocked_monitor"));
      assertThat(states(byName(collector.collect())).get("BLOCKED")).isGreaterThanOrEqualTo(3);
      assertSameStatesAsClientJava(collector::collect);
    }
  }

  @Test
  void stateCountsAsClientJavaCountsThemWithThreadsInEveryState() throws Exception {
    ThreadGroup group = new ThreadGroup("census");
    ThreadGroup inner = new ThreadGroup(group, "inner");
    Object monitor = new Object();
    Object waitedOn = new Object();
    try (Crowd crowd = new Crowd()) {
      CountDownLatch held = new CountDownLatch(1);
      Thread holder = crowd.start(group, () -> {
        synchronized (monitor) {
          held.countDown();
          crowd.awaitRelease();
        }
      });
      held.await();
      for (int i = 0; i < 2; i++) {
        Pipe pipe = Pipe.open();
        crowd.onClose(() -> close(pipe));
        crowd.start(inner, () -> pipe.source().read(ByteBuffer.allocate(1)));
      }
      CountDownLatch never = new CountDownLatch(1);
      crowd.start(group, never::await);
      for (int i = 0; i < 4; i++) {
        crowd.start(i % 2 == 0 ? group : inner, () -> {
          synchronized (monitor) {
            monitor.hashCode();
          }
        });
      }
      for (int i = 0; i < 3; i++) {
        crowd.start(inner, () -> {
          synchronized (waitedOn) {
            waitedOn.wait();
          }
        });
        crowd.start(group, () -> Thread.sleep(TimeUnit.MINUTES.toMillis(5)));
      }
      for (int i = 0; i < 2; i++) {
        crowd.start(group, () -> {
          while (!crowd.released()) {
            LockSupport.park();
          }
        });
        crowd.start(inner, () -> {
          synchronized (waitedOn) {
            waitedOn.wait(TimeUnit.MINUTES.toMillis(5));
          }
        });
        crowd.start(inner, () -> {
          while (!crowd.released()) {
            LockSupport.parkNanos(TimeUnit.MINUTES.toNanos(5));
          }
        });
      }
      crowd.start(inner, holder::join);
      new Thread(group, () -> { }, "never started");
      Thread finished = new Thread(inner, () -> { }, "finished");
      finished.start();
      finished.join();

      Map<Thread.State, Integer> expected = Map.of(Thread.State.RUNNABLE, 2, Thread.State.BLOCKED, 4,
          Thread.State.WAITING, 8, Thread.State.TIMED_WAITING, 7);
      awaitUntil("every thread in its state: " + stateNames(ThreadsCollector.census(group)),
          () -> stateNames(ThreadsCollector.census(group)).equals(stateNames(expected)));

      // A latch is an ownable synchronizer too, one that no thread owns.
      Census census = ThreadsCollector.census(group);
      assertThat(census.live()).isEqualTo(21);
      assertThat(census.blocked()).isEqualTo(4);
      assertThat(census.waitingToLock()).isEqualTo(5);
      assertThat(census.states()[census.states().length - 1]).as("UNKNOWN").isZero();
      assertThat(ThreadsCollector.census(group, 1)).usingRecursiveComparison().isEqualTo(census);

      CountingBean bean = new CountingBean(IntUnaryOperator.identity());
      ThreadsCollector collector = new ThreadsCollector(bean.proxy(), systemGroup());
      assertSameStatesAsClientJava(collector::collect);
      assertThat(bean.calls("getThreadInfo")).as("states read from the threads").isZero();
      assertSameStatesAsClientJava(ThreadsCollectorTest::ours);
      Map<String, MetricSnapshot> ours = byName(ours());
      assertThat(states(ours).get("BLOCKED")).isGreaterThanOrEqualTo(4);
      assertThat(states(ours).get("UNKNOWN")).isZero();
    }
  }

  @Test
  void searchRunsOnlyWhenTwoThreadsWaitToLock() throws Exception {
    ThreadGroup group = new ThreadGroup("waiters");
    Object monitor = new Object();
    ReentrantLock lock = new ReentrantLock();
    // The collector sees only the group, and the MXBean counts as many threads.
    CountingBean bean = new CountingBean(count -> group.activeCount());
    ThreadsCollector collector = new ThreadsCollector(bean.proxy(), group);
    try (Crowd crowd = new Crowd()) {
      CountDownLatch held = new CountDownLatch(1);
      crowd.start(group, () -> {
        synchronized (monitor) {
          lock.lock();
          try {
            held.countDown();
            crowd.awaitRelease();
          } finally {
            lock.unlock();
          }
        }
      });
      held.await();
      Thread first = crowd.start(group, () -> {
        synchronized (monitor) {
          monitor.hashCode();
        }
      });
      awaitUntil("one thread blocked", () -> first.getState() == Thread.State.BLOCKED);
      Map<String, MetricSnapshot> one = byName(collector.collect());
      assertThat(bean.calls("findDeadlockedThreads")).isZero();
      assertThat(bean.calls("findMonitorDeadlockedThreads")).isZero();
      assertThat(value(one, "jvm_threads_deadlocked")).isZero();
      assertThat(states(one)).containsEntry("BLOCKED", 1.0).containsEntry("WAITING", 1.0);

      Thread second = crowd.start(group, () -> {
        lock.lock();
        lock.unlock();
      });
      awaitUntil("a thread parked on the lock", () -> second.getState() == Thread.State.WAITING
          && LockSupport.getBlocker(second) instanceof AbstractOwnableSynchronizer);
      Map<String, MetricSnapshot> two = byName(collector.collect());
      assertThat(bean.calls("findDeadlockedThreads")).isEqualTo(1);
      assertThat(bean.calls("findMonitorDeadlockedThreads")).isZero();
      assertThat(value(two, "jvm_threads_deadlocked")).isZero();
      assertThat(bean.calls("getThreadInfo")).isZero();
    }
  }

  @Test
  void groupsWithoutEveryLiveThreadLeaveItToTheMXBean() {
    // As when JFR runs: its recorder thread is in no group.
    CountingBean bean = new CountingBean(count -> count + 1);
    ThreadsCollector collector = new ThreadsCollector(bean.proxy(), systemGroup());
    Map<String, MetricSnapshot> ours = byName(collector.collect());

    assertThat(bean.calls("getThreadInfo")).isEqualTo(1);
    assertThat(bean.calls("findDeadlockedThreads")).isEqualTo(1);
    assertThat(value(ours, "jvm_threads_deadlocked")).isZero();
    assertSameStatesAsClientJava(collector::collect);
  }

  /**
   * Two threads per deadlock, each taking one lock and then the other's; prints ours and
   * client_java's counts once every thread waits for its second lock.
   */
  static final class Deadlocks {
    public static void main(String[] args) throws Exception {
      boolean monitors = !args[0].equals("locks");
      boolean locks = !args[0].equals("monitors");
      List<Thread> stuck = new ArrayList<>();
      CountDownLatch locked = new CountDownLatch((monitors ? 2 : 0) + (locks ? 2 : 0));
      if (locks) {
        ReentrantLock a = new ReentrantLock();
        ReentrantLock b = new ReentrantLock();
        stuck.add(stuck(() -> { a.lock(); locked.countDown(); awaitQuietly(locked); b.lock(); }));
        stuck.add(stuck(() -> { b.lock(); locked.countDown(); awaitQuietly(locked); a.lock(); }));
      }
      if (monitors) {
        Object c = new Object();
        Object d = new Object();
        stuck.add(stuck(() -> { synchronized (c) { locked.countDown(); awaitQuietly(locked); synchronized (d) { } } }));
        stuck.add(stuck(() -> { synchronized (d) { locked.countDown(); awaitQuietly(locked); synchronized (c) { } } }));
      }
      for (Thread t : stuck) {
        awaitUntil(t + " waiting for its second lock", () -> t.getState() == Thread.State.BLOCKED
            || t.getState() == Thread.State.WAITING
                && LockSupport.getBlocker(t) instanceof AbstractOwnableSynchronizer);
      }
      CountingBean bean = new CountingBean(IntUnaryOperator.identity());
      Map<String, MetricSnapshot> ours = byName(new ThreadsCollector(bean.proxy(), systemGroup()).collect());
      Map<String, MetricSnapshot> theirs = byName(theirs());
      System.out.println(value(ours, "jvm_threads_deadlocked") + " " + value(ours, "jvm_threads_deadlocked_monitor")
          + " " + value(theirs, "jvm_threads_deadlocked") + " " + value(theirs, "jvm_threads_deadlocked_monitor")
          + " searches=" + bean.calls("findDeadlockedThreads") + "," + bean.calls("findMonitorDeadlockedThreads")
          + " infos=" + bean.calls("getThreadInfo"));
      System.exit(0);
    }

    private static Thread stuck(Runnable body) {
      Thread t = new Thread(body, "deadlocked");
      t.setDaemon(true);
      t.start();
      return t;
    }

    private static void awaitQuietly(CountDownLatch latch) {
      try {
        latch.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String deadlocks(String kind) throws Exception {
    Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Deadlocks.class.getName(), kind)
        .redirectErrorStream(true).start();
    boolean exited = java.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      java.destroyForcibly();
    }
    String out = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(exited).as("exited in time: " + out).isTrue();
    return out;
  }

  /**
   * Daemon threads that run until the crowd is closed, then are released and joined. They await
   * release in {@code Object.wait}, which leaves no park blocker.
   */
  private static final class Crowd implements AutoCloseable {

    interface Body {
      void run() throws Exception;
    }

    private volatile boolean released;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Runnable> onClose = new ArrayList<>();

    Thread start(Body body) {
      return start(Thread.currentThread().getThreadGroup(), body);
    }

    Thread start(ThreadGroup group, Body body) {
      Thread t = new Thread(group, () -> {
        try {
          body.run();
        } catch (Exception e) {
          if (!released) {
            throw new IllegalStateException(e);
          }
        }
      }, "crowd-" + threads.size());
      t.setDaemon(true);
      threads.add(t);
      t.start();
      return t;
    }

    void onClose(Runnable action) {
      onClose.add(action);
    }

    synchronized void awaitRelease() throws InterruptedException {
      while (!released) {
        wait();
      }
    }

    boolean released() {
      return released;
    }

    @Override
    public void close() throws InterruptedException {
      synchronized (this) {
        released = true;
        notifyAll();
      }
      onClose.forEach(Runnable::run);
      for (Thread t : threads) {
        t.interrupt();
        LockSupport.unpark(t);
      }
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(t.isAlive()).as(t + " still alive").isFalse();
      }
    }
  }

  /** The platform ThreadMXBean counting the calls made to it, its thread count mapped. */
  private static final class CountingBean {
    private final ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    private final IntUnaryOperator threadCount;
    private final Map<String, Integer> calls = new ConcurrentHashMap<>();

    CountingBean(IntUnaryOperator threadCount) {
      this.threadCount = threadCount;
    }

    ThreadMXBean proxy() {
      return (ThreadMXBean) Proxy.newProxyInstance(ThreadMXBean.class.getClassLoader(),
          new Class<?>[] {ThreadMXBean.class}, (proxy, method, args) -> call(method, args));
    }

    int calls(String method) {
      return calls.getOrDefault(method, 0);
    }

    private Object call(Method method, Object[] args) throws Throwable {
      calls.merge(method.getName(), 1, Integer::sum);
      try {
        Object result = method.invoke(bean, args);
        return method.getName().equals("getThreadCount") ? threadCount.applyAsInt((Integer) result) : result;
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }

  /**
   * Ours and client_java's states, taken again until they agree and add up to the live threads:
   * the test JVM's other threads may change state between the readings. A count that is wrong
   * every time fails.
   */
  private static void assertSameStatesAsClientJava(Supplier<MetricSnapshots> ours) {
    Map<String, Double> a = Map.of();
    Map<String, Double> b = Map.of();
    for (int i = 0; i < 100; i++) {
      a = states(byName(ours.get()));
      b = states(byName(theirs()));
      if (a.equals(b) && a.values().stream().mapToDouble(Double::doubleValue).sum()
          == ManagementFactory.getThreadMXBean().getThreadCount()) {
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    assertThat(a).isEqualTo(b);
    fail("states do not add up to the live threads: " + a);
  }

  private static void awaitUntil(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private static void close(Pipe pipe) {
    try {
      pipe.source().close();
      pipe.sink().close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ThreadGroup systemGroup() {
    ThreadGroup group = Thread.currentThread().getThreadGroup();
    while (group.getParent() != null) {
      group = group.getParent();
    }
    return group;
  }

  private static Map<String, Integer> stateNames(Census census) {
    Map<String, Integer> names = new TreeMap<>();
    Thread.State[] states = Thread.State.values();
    for (int i = 0; i < states.length; i++) {
      if (census.states()[i] != 0) {
        names.put(states[i].name(), census.states()[i]);
      }
    }
    return names;
  }

  private static Map<String, Integer> stateNames(Map<Thread.State, Integer> counts) {
    Map<String, Integer> names = new TreeMap<>();
    counts.forEach((state, count) -> names.put(state.name(), count));
    return names;
  }

  private static MetricSnapshots ours() {
    PrometheusRegistry registry = new PrometheusRegistry();
    ThreadsCollector.register(registry, PrometheusProperties.get());
    return registry.scrape();
  }

  private static MetricSnapshots theirs() {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmThreadsMetrics.builder(PrometheusProperties.get()).register(registry);
    return registry.scrape();
  }

  private static Map<String, MetricSnapshot> byName(MetricSnapshots snapshots) {
    Map<String, MetricSnapshot> result = new LinkedHashMap<>();
    snapshots.forEach(s -> result.put(s.getMetadata().getName(), s));
    return result;
  }

  private static List<String> labels(MetricSnapshot snapshot) {
    return snapshot.getDataPoints().stream().map(p -> p.getLabels().toString()).sorted().toList();
  }

  private static double value(Map<String, MetricSnapshot> families, String name) {
    DataPointSnapshot point = families.get(name).getDataPoints().get(0);
    return ((GaugeDataPointSnapshot) point).getValue();
  }

  /** jvm_threads_state by its state label. */
  private static Map<String, Double> states(Map<String, MetricSnapshot> families) {
    Map<String, Double> states = new TreeMap<>();
    for (DataPointSnapshot point : families.get("jvm_threads_state").getDataPoints()) {
      states.put(point.getLabels().get("state"), ((GaugeDataPointSnapshot) point).getValue());
    }
    return states;
  }
}
