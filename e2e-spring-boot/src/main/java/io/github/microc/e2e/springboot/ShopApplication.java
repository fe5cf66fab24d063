package io.github.microc.e2e.springboot;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** A small Spring Boot application with a metric of its own, {@code shop_orders_total}. */
@SpringBootApplication
public class ShopApplication {

  public static void main(String[] args) {
    SpringApplication.run(ShopApplication.class, args);
  }

  @RestController
  static class Orders {
    private final Counter orders;

    Orders(MeterRegistry meters) {
      this.orders = Counter.builder("shop.orders").description("Orders placed.").register(meters);
    }

    @PostMapping("/orders")
    String place() {
      orders.increment();
      return "ok\n";
    }
  }
}
