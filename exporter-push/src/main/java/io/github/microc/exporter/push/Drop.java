package io.github.microc.exporter.push;

import java.util.Locale;

/** Why a batch was given up on: the {@code reason} label of the dropped counters. */
enum Drop {
  /** The receiver answered with a 4xx other than 429: it would never take it. */
  REJECTED,
  /** The buffer was full and it was the oldest. */
  BUFFER_FULL,
  /** Older than the buffer's max-age. */
  TOO_OLD,
  /** Unreadable in the buffer: a record torn by a crash, or damaged on disk. */
  CORRUPT,
  /** It could not be written to the buffer (a full or failing disk). */
  WRITE_FAILED;

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
