package io.github.microc.exporter.core.engine;

/**
 * A plugin jar run in Microc's own process. The engine runs its {@code create} and
 * {@code collect} with the jar's class loader as the thread's context class loader, which
 * every thread started from them inherits; those threads are counted here. A plugin that sets
 * its threads' context class loader to another escapes the count. Thread-safe.
 *
 * @param jar the jar's file name
 * @param loader the jar's class loader
 */
public record LoaderThreads(String jar, ClassLoader loader) implements PluginRuntime {

  @Override
  public String where() {
    return "plugin jar " + jar + ", in Microc's process";
  }

  @Override
  public int threads() {
    return count(loader);
  }

  /** Live threads whose context class loader is {@code loader}. */
  public static int count(ClassLoader loader) {
    Thread[] threads = new Thread[Thread.activeCount() + 16];
    int n;
    while ((n = root().enumerate(threads, true)) == threads.length) {
      threads = new Thread[threads.length * 2];
    }
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (threads[i].getContextClassLoader() == loader) {
        count++;
      }
    }
    return count;
  }

  private static ThreadGroup root() {
    ThreadGroup group = Thread.currentThread().getThreadGroup();
    while (group.getParent() != null) {
      group = group.getParent();
    }
    return group;
  }
}
