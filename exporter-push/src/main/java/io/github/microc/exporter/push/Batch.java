package io.github.microc.exporter.push;

/**
 * One collection ready to send: a remote-write request body (protobuf, snappy).
 *
 * @param timestamp the collection's time, in milliseconds since the epoch
 * @param samples how many samples it holds
 * @param body the request body
 */
record Batch(long timestamp, int samples, byte[] body) {}
