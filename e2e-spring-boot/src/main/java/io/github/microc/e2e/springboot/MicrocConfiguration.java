package io.github.microc.e2e.springboot;

import io.github.microc.exporter.core.Microc;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Microc's collectors in the application's registry: Spring Boot's {@code /actuator/prometheus}
 * then serves {@code node_*} and {@code container_*} beside the application's metrics.
 * docs/embedding.md shows this class.
 */
@Configuration
public class MicrocConfiguration {

  /** Every collector plugin on the class path, configured from the {@code microc} block. */
  @Bean(destroyMethod = "close")
  Microc microc(PrometheusRegistry registry) {
    return Microc.builder().build().register(registry);
  }
}
