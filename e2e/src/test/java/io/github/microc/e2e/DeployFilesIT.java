package io.github.microc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.e2e.support.Command;
import io.github.microc.e2e.support.Repository;
import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The files of {@code deploy/} say what docs/deployment.md promises, and the tools that read
 * them accept them: systemd's own checker on the unit installed as the docs install it, the
 * real app on the arguments and variables the Kubernetes manifest, the compose file and the
 * Dockerfile give it, and the paths the compose file mounts.
 */
class DeployFilesIT {

  @TempDir
  Path work;

  @Test
  void theSystemdUnitInstalledAsDocumentedPassesSystemdAnalyze() throws Exception {
    Path analyze = Engines.requireExecutable("systemd-analyze",
        "install systemd (apt-get install systemd); nothing is started", "/usr/bin/systemd-analyze");
    // A root of its own: the distribution unpacked under /opt as the docs say, the unit in
    // /etc/systemd/system, and the system's own units, which the unit's dependencies name.
    Path root = Files.createDirectories(work.resolve("root"));
    Path opt = Files.createDirectories(root.resolve("opt"));
    Command.run(Duration.ofSeconds(60), "tar", "-xzf", tarball().toString(), "-C", opt.toString()).orFail();
    Path unpacked;
    try (Stream<Path> dirs = Files.list(opt)) {
      unpacked = dirs.filter(d -> d.getFileName().toString().startsWith("microc-")).findFirst().orElseThrow();
    }
    Files.createSymbolicLink(opt.resolve("microc"), unpacked.getFileName());
    Path units = Files.createDirectories(root.resolve("etc/systemd/system"));
    Files.copy(unpacked.resolve("systemd/microc.service"), units.resolve("microc.service"));
    Path systemUnits = Files.createDirectories(root.resolve("usr/lib/systemd"));
    Command.run(Duration.ofSeconds(60), "cp", "-r", "/usr/lib/systemd/system", systemUnits.toString()).orFail();
    // ExecReload's kill, which systemd looks for under the root too.
    Files.copy(Path.of("/bin/kill"), Files.createDirectories(root.resolve("bin")).resolve("kill"));

    Command.Result verify = Command.run(Duration.ofSeconds(60), null, List.of(analyze.toString(),
        "verify", "--man=no", "--root=" + root, "microc.service"));
    // verify exits 0 on warnings (an unknown key, say): it must print nothing at all.
    assertThat(verify.exitCode()).as(verify.output()).isZero();
    assertThat(verify.output().strip()).as("systemd-analyze verify's warnings").isEmpty();

    // The hardening docs/deployment.md describes, as systemd's own assessment scores it
    // (0 is the most locked down, 10 the least; the unit scores "OK").
    Command.Result security = Command.run(Duration.ofSeconds(60), null, List.of(analyze.toString(),
        "security", "--offline=yes", "--no-pager", "--root=" + root, "--threshold=50", "microc.service"));
    assertThat(security.exitCode()).as(security.output()).isZero();
    String unit = Files.readString(units.resolve("microc.service"));
    for (String line : List.of("NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=",
        "CacheDirectory=microc", "ExecStart=/opt/microc/bin/microc $MICROC_ARGS",
        "ExecReload=/bin/kill -HUP $MAINPID", "User=microc")) {
      assertThat(unit).contains("\n" + line + "\n");
    }
  }

  @Test
  void theKubernetesDaemonSetMountsTheHostReadOnlyAndItsArgumentsAreAccepted() throws Exception {
    Map<String, Object> daemonSet = null;
    try (InputStream in = Files.newInputStream(Repository.resolve("deploy/kubernetes/microc-daemonset.yaml"))) {
      for (Object document : new Yaml().loadAll(in)) {
        if (document instanceof Map<?, ?> map && "DaemonSet".equals(map.get("kind"))) {
          daemonSet = cast(map);
        }
      }
    }
    assertThat(daemonSet).as("a DaemonSet").isNotNull();
    Map<String, Object> pod = map(map(map(daemonSet, "spec"), "template"), "spec");
    assertThat(pod).containsEntry("hostNetwork", true).containsEntry("hostPID", true);
    assertThat(map(map(map(daemonSet, "spec"), "template"), "metadata").get("annotations"))
        .isEqualTo(Map.of("prometheus.io/scrape", "true", "prometheus.io/port", "10049",
            "prometheus.io/path", "/metrics"));
    Map<String, Object> container = cast(list(pod, "containers").get(0));

    Map<String, String> hostPaths = new HashMap<>();
    for (Object volume : list(pod, "volumes")) {
      Map<String, Object> v = cast(volume);
      hostPaths.put((String) v.get("name"), (String) map(v, "hostPath").get("path"));
    }
    Map<String, Map<String, Object>> mounts = new HashMap<>();
    for (Object mount : list(container, "volumeMounts")) {
      Map<String, Object> m = cast(mount);
      mounts.put(hostPaths.get((String) m.get("name")), m);
    }
    assertThat(mounts.keySet()).containsExactlyInAnyOrder("/proc", "/sys", "/", "/var/run/docker.sock");
    mounts.values().forEach(m -> assertThat(m).as(m.toString()).containsEntry("readOnly", true));
    assertThat(mounts.get("/")).containsEntry("mountPropagation", "HostToContainer");

    Map<String, String> env = new HashMap<>();
    for (Object e : list(container, "env")) {
      Map<String, Object> variable = cast(e);
      env.put((String) variable.get("name"), (String) variable.get("value"));
    }
    assertThat(env).containsEntry("MICROC_HOST_PROC", mounts.get("/proc").get("mountPath").toString())
        .containsEntry("MICROC_HOST_SYS", mounts.get("/sys").get("mountPath").toString())
        .containsEntry("MICROC_HOST_ROOTFS", mounts.get("/").get("mountPath").toString());

    Map<String, Object> security = map(container, "securityContext");
    assertThat(security).containsEntry("allowPrivilegeEscalation", false);
    assertThat(map(security, "capabilities")).containsEntry("drop", List.of("ALL"));
    assertThat(map(map(container, "readinessProbe"), "httpGet")).containsEntry("path", "/ready");
    assertThat(map(map(container, "livenessProbe"), "httpGet")).containsEntry("path", "/health");
    assertThat(map(map(container, "resources"), "limits")).containsEntry("memory", "128Mi");
    Map<String, Object> port = cast(list(container, "ports").get(0));
    assertThat(port).containsEntry("containerPort", 10049).containsEntry("hostPort", 10049);

    @SuppressWarnings("unchecked")
    List<String> args = (List<String>) container.get("args");
    assertThat(args).contains("--web.listen-address=:10049");
    // The arguments and variables, with this host's own /proc, /sys and / in place of the
    // mounts, are a configuration the app accepts.
    Map<String, String> here = new HashMap<>(env);
    here.replaceAll((k, v) -> k.startsWith("MICROC_HOST_")
        ? mounts.entrySet().stream().filter(e -> e.getValue().get("mountPath").equals(v))
            .findFirst().orElseThrow().getKey() : v);
    checkConfig(args, here);
  }

  @Test
  void theComposeFileMountsWhatTheDocsSayAndEveryPathItNamesExists() throws Exception {
    Path compose = Repository.resolve("deploy/compose/docker-compose.yml");
    Map<String, Object> file;
    try (InputStream in = Files.newInputStream(compose)) {
      file = cast(new Yaml().load(in));
    }
    Map<String, Object> services = map(file, "services");
    assertThat(services).containsKeys("microc", "prometheus", "grafana");
    Map<String, Object> microc = map(services, "microc");
    assertThat(microc).containsEntry("network_mode", "host");
    assertThat(list(microc, "volumes")).containsExactlyInAnyOrder("/proc:/host/proc:ro",
        "/sys:/host/sys:ro", "/:/host/rootfs:ro,rslave", "/var/run/docker.sock:/var/run/docker.sock:ro");
    Path dir = compose.getParent();
    Map<String, Object> build = map(microc, "build");
    Path context = dir.resolve((String) build.get("context")).normalize();
    assertThat(context.resolve("microc-exporter.jar")).as("the build context holds the jar").isRegularFile();
    assertThat(context.resolve((String) build.get("dockerfile")).normalize()).isRegularFile();
    // Every relative bind mount of the other services names a file or directory of the repository.
    for (String service : List.of("prometheus", "grafana")) {
      for (Object volume : list(map(services, service), "volumes")) {
        String source = ((String) volume).split(":")[0];
        if (source.startsWith(".")) {
          assertThat(dir.resolve(source).normalize()).as(service + " mounts " + source).exists();
        }
      }
    }
    assertThat(Files.readString(dir.resolve("targets/microc.yml"))).contains("host.docker.internal:10049");
  }

  @Test
  void theDockerfileTrainsWithTheFlagsItRunsWithAndItsVariablesAreAccepted() throws Exception {
    String dockerfile = Files.readString(Repository.resolve("deploy/docker/Dockerfile"));
    Matcher run = Pattern.compile("RUN \\[(.*?)\\]", Pattern.DOTALL).matcher(dockerfile);
    Matcher entry = Pattern.compile("ENTRYPOINT \\[(.*?)\\]", Pattern.DOTALL).matcher(dockerfile);
    assertThat(run.find()).isTrue();
    assertThat(entry.find()).isTrue();
    List<String> training = jvmFlags(run.group(1));
    List<String> serving = jvmFlags(entry.group(1));
    // An archive is used only by a JVM with the flags it was written with.
    assertThat(serving).as("the ENTRYPOINT's JVM flags, those of the training RUN").isEqualTo(training);

    Map<String, String> env = new HashMap<>();
    Matcher variables = Pattern.compile("(MICROC_[A-Z_]+)=(\\S+)").matcher(
        dockerfile.substring(dockerfile.indexOf("\nENV ")));
    while (variables.find()) {
      env.put(variables.group(1), variables.group(2).replace("/host/rootfs", "/").replace("/host", ""));
    }
    assertThat(env).containsOnlyKeys("MICROC_HOST_PROC", "MICROC_HOST_SYS", "MICROC_HOST_ROOTFS");
    checkConfig(List.of(), env);
  }

  /** The JVM's own flags of an exec-form instruction: what comes before {@code -jar}, archive flags left out. */
  private static List<String> jvmFlags(String execForm) {
    List<String> words = new ArrayList<>();
    Matcher quoted = Pattern.compile("\"([^\"]*)\"").matcher(execForm);
    while (quoted.find()) {
      words.add(quoted.group(1));
    }
    return words.subList(1, words.indexOf("-jar")).stream()
        .filter(w -> !w.startsWith("-XX:ArchiveClassesAtExit=") && !w.startsWith("-XX:SharedArchiveFile=")
            && !w.startsWith("-Xshare:") && !w.startsWith("-Xlog:cds"))
        .toList();
  }

  private static void checkConfig(List<String> args, Map<String, String> env) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        Repository.appJar().toString(), "--check-config"));
    command.addAll(args);
    Command.Result result = Command.run(Duration.ofSeconds(60), null, command, env);
    assertThat(result.exitCode()).as(String.join(" ", command) + " with " + env + ":\n" + result.output())
        .isZero();
    assertThat(result.output()).contains("config OK");
  }

  private static Path tarball() throws IOException {
    try (Stream<Path> files = Files.list(Repository.resolve("exporter-app/target"))) {
      return files.filter(f -> f.getFileName().toString().matches("microc-.*\\.tar\\.gz")).findFirst()
          .orElseThrow(() -> new AssertionError("no distribution tarball: build exporter-app first"));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object map) {
    return (Map<String, Object>) map;
  }

  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    assertThat(value).as(key).isInstanceOf(Map.class);
    return cast(value);
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    assertThat(value).as(key).isInstanceOf(List.class);
    return (List<Object>) value;
  }
}
