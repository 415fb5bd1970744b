package dev.surge.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Reads every key of the run back from the stack ({@code GET /load/{key}}) once the counts are quiet, and compares
 * with what the stack acknowledged ({@link Ledger}). Quiet: every key at least at its acknowledged events (202s are
 * counted later) and no count changed between two reads a second apart; past {@code settle}, the last read decides.
 */
final class IntegrityCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONCURRENT_READS = 32;

    private final HttpTarget http;
    private final Ledger ledger;
    private final Duration settle;
    private final PrintStream out;

    IntegrityCheck(HttpTarget http, Ledger ledger, Duration settle, PrintStream out) {
        this.http = http;
        this.ledger = ledger;
        this.settle = settle;
        this.out = out;
    }

    /** {@code key(i)} names key index i as the stack knows it. */
    Integrity run(java.util.function.IntFunction<String> key) throws InterruptedException {
        int[] keys = java.util.stream.IntStream.range(0, ledger.keys()).filter(i -> ledger.sentTo(i) > 0).toArray();
        long acknowledged = 0;
        long uncertain = 0;
        for (int i : keys) {
            acknowledged += ledger.acknowledged(i);
            uncertain += ledger.uncertain(i);
        }
        out.printf(Locale.ROOT, "Integrity: reading back %,d keys (%,d events acknowledged, %,d uncertain) ...%n",
                keys.length, acknowledged, uncertain);
        long began = System.nanoTime();
        long deadline = began + settle.toNanos();
        long[] previous = null;
        long[] counts;
        while (true) {
            long roundStart = System.nanoTime();
            counts = read(keys, key);
            boolean reached = true;
            for (int j = 0; j < keys.length; j++) {
                reached &= counts[j] >= ledger.acknowledged(keys[j]);
            }
            if (reached && Arrays.equals(counts, previous)) {
                break;
            }
            if (System.nanoTime() >= deadline) {
                break;
            }
            previous = counts;
            long nextRound = roundStart + 1_000_000_000L;
            long wait = Math.min(nextRound, deadline) - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // reads are paced a second apart
            }
        }
        double waited = (System.nanoTime() - began) / 1e9;
        List<String> discrepancies = new ArrayList<>();
        int failed = 0;
        long counted = 0;
        for (int j = 0; j < keys.length; j++) {
            int i = keys[j];
            String name = key.apply(i);
            long count = counts[j];
            counted += Math.max(0, count);
            long acked = ledger.acknowledged(i);
            long maybe = ledger.uncertain(i);
            List<String> problems = new ArrayList<>();
            if (count < 0) {
                problems.add("could not be read back");
            } else if (count < acked) {
                problems.add(String.format(Locale.ROOT, "count %d < %d acknowledged events (lost)", count, acked));
            } else if (count > acked + maybe) {
                problems.add(String.format(Locale.ROOT, "count %d > %d acknowledged + %d uncertain events "
                        + "(counted twice)", count, acked, maybe));
            }
            long[] loads = ledger.loads(i);
            Arrays.sort(loads);
            for (int l = 1; l < loads.length; l++) {
                if (loads[l] == loads[l - 1]) {
                    problems.add("load " + loads[l] + " handed out twice");
                    break;
                }
            }
            if (loads.length > 0 && count >= 0 && loads[loads.length - 1] > count) {
                problems.add("load " + loads[loads.length - 1] + " handed out, above the count " + count);
            }
            if (!problems.isEmpty()) {
                failed++;
                if (discrepancies.size() < Integrity.MAX_LISTED) {
                    discrepancies.add(name + ": " + String.join("; ", problems));
                }
            }
        }
        if (failed > discrepancies.size()) {
            discrepancies.add("... and " + (failed - discrepancies.size()) + " more keys");
        }
        return new Integrity(failed == 0 ? "PASS" : "FAIL", keys.length, acknowledged, uncertain,
                ledger.refusedEvents(), counted, waited, discrepancies);
    }

    /** Every key's count, -1 where it could not be read (or the answer was a stale one from a standby). */
    private long[] read(int[] keys, java.util.function.IntFunction<String> key) throws InterruptedException {
        long[] counts = new long[keys.length];
        Semaphore permits = new Semaphore(CONCURRENT_READS);
        CompletableFuture<?>[] reads = new CompletableFuture<?>[keys.length];
        for (int j = 0; j < keys.length; j++) {
            permits.acquire();
            int at = j;
            reads[j] = http.get("/load/" + key.apply(keys[j])).thenAccept(answer -> {
                counts[at] = count(answer);
                permits.release();
            });
        }
        CompletableFuture.allOf(reads).join();
        return counts;
    }

    private static long count(HttpTarget.Answer answer) {
        if (answer.failed() || answer.status() != 200) {
            return -1;
        }
        try {
            JsonNode load = JSON.readTree(answer.body());
            return load.path("stale").asBoolean(false) || !load.has("load") ? -1 : load.get("load").asLong();
        } catch (IOException e) {
            return -1;
        }
    }
}
