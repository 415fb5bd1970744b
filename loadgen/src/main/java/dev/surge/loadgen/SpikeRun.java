package dev.surge.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The open model: arrival k of a phase is due when the phase's cumulative arrivals reach k, whatever happened to
 * the arrivals before it. Arrivals are offered by a task on the HTTP client's event loop that runs at each due time
 * and sends the requests due; answers come back on the client's loop too. Each request's latency is measured from its due time, so
 * a server (or this client) that falls behind shows its queueing (no coordinated omission). At most
 * {@code maxInFlight} requests are out at once: an arrival due while they are is dropped and counted, never queued.
 * Prints one progress line a second.
 */
final class SpikeRun {
    /** How far behind the last due time answers and retries are awaited, at most. */
    static final long MAX_DRAIN_SECONDS = 600;
    private static final long NANOS = 1_000_000_000L;

    private final Scenario scenario;
    private final Profile arrivals;
    private final PrintStream out;
    private final Tally tally;
    private final Ledger ledger;
    private final HttpTarget http;
    private final ScheduledExecutorService timers;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();
    private final URI uri;
    private final byte[] keyPrefixJson;
    private final long[] phaseStartNanos;
    private long start;
    /** Every arrival due before this time is handled: a second is printed once all of it was offered. */
    private volatile long scheduledUpTo;
    private long idempotencySequence;
    private int printed;
    private final List<SecondStats> seconds = new ArrayList<>();

    /** What one arrival sends: one event, or a batch; with the state of its attempts. */
    private final class Arrival {
        final int phase;
        final long due;
        final int[] keys;
        final String[] idempotencyKeys;
        final boolean[] maybeWritten;
        int[] pending;
        int attempts;
        int acknowledged;

        Arrival(int phase, long due, int[] keys, String[] idempotencyKeys) {
            this.phase = phase;
            this.due = due;
            this.keys = keys;
            this.idempotencyKeys = idempotencyKeys;
            this.maybeWritten = new boolean[keys.length];
            this.pending = new int[keys.length];
            for (int i = 0; i < keys.length; i++) {
                pending[i] = i;
            }
        }
    }

    /** The run's figures, for the summary, the JSON result and the report. */
    record Outcome(Instant startedAt, double seconds, List<SecondStats> perSecond, List<PhaseSummary> phases,
                   Ledger ledger, long maxInFlightSeen) {
    }

    SpikeRun(Scenario scenario, HttpTarget http, PrintStream out) {
        this.scenario = scenario;
        this.arrivals = scenario.arrivals();
        this.out = out;
        int runSeconds = (int) Math.ceil(arrivals.duration().toNanos() / 1e9);
        this.tally = new Tally(arrivals.phases().size(), runSeconds + (int) MAX_DRAIN_SECONDS + 2);
        this.ledger = new Ledger(scenario.keys());
        this.http = http;
        this.timers = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "spike-timers");
            thread.setDaemon(true);
            return thread;
        });
        String query = scenario.ack().equals("durable") ? "?ack=durable" : "";
        this.uri = http.uri((scenario.mode().batch() ? "/simulate/batch" : "/simulate") + query);
        this.keyPrefixJson = ("{\"key\":\"" + scenario.keyPrefix() + "-").getBytes(StandardCharsets.US_ASCII);
        this.phaseStartNanos = new long[arrivals.phases().size() + 1];
        for (int i = 0; i < arrivals.phases().size(); i++) {
            phaseStartNanos[i + 1] = phaseStartNanos[i] + arrivals.phases().get(i).duration().toNanos();
        }
    }

    Outcome run() throws InterruptedException {
        Instant startedAt = Instant.now();
        Arrivals offering;
        try {
            start = System.nanoTime() + 100_000_000L;
            timers.scheduleAtFixedRate(() -> printSeconds(false), start + NANOS - System.nanoTime(), NANOS,
                    TimeUnit.NANOSECONDS);
            offering = new Arrivals(new KeyChooser(scenario.keys(), scenario.zipf(), scenario.seed()));
            http.at(start, offering);
            offering.done.await();
            if (offering.failure != null) {
                throw new IllegalStateException("offering arrivals failed: " + offering.failure, offering.failure);
            }
            long end = start + phaseStartNanos[arrivals.phases().size()];
            waitUntil(end);
            scheduledUpTo = Long.MAX_VALUE;
            awaitDrained(end + drainNanos());
        } finally {
            timers.shutdownNow();
            timers.awaitTermination(5, TimeUnit.SECONDS);
        }
        printSeconds(true);
        double ran = (System.nanoTime() - start) / 1e9;
        return new Outcome(startedAt, ran, List.copyOf(seconds), phaseSummaries(), ledger, offering.maxSeen);
    }

    /**
     * Offers the arrivals in order, each once it is due, as a task on the HTTP client's event loop: it offers every
     * arrival due by now, then has itself run again at the next due time. Requests it sends go out on that loop
     * with no thread handoff and no thread parked per arrival (wrk's design: one loop schedules and does the I/O).
     */
    private final class Arrivals implements Runnable {
        final CountDownLatch done = new CountDownLatch(1);
        final KeyChooser chooser;
        final int events = scenario.mode().batch() ? scenario.batchSize() : 1;
        int phase;
        long k;
        int maxSeen;
        volatile Throwable failure;

        Arrivals(KeyChooser chooser) {
            this.chooser = chooser;
        }

        @Override
        public void run() {
            try {
                long next = offerDue();
                if (next < 0) {
                    done.countDown();
                } else {
                    http.at(next, this);
                }
            } catch (Throwable e) {
                failure = e;
                done.countDown();
            }
        }

        /** Offers every arrival due by now; the due time of the next one, or -1 when all were offered. */
        private long offerDue() {
            long now = System.nanoTime();
            while (phase < arrivals.phases().size()) {
                Phase current = arrivals.phases().get(phase);
                if (k >= current.arrivals()) {
                    phase++;
                    k = 0;
                    continue;
                }
                long due = start + phaseStartNanos[phase] + (long) (current.timeOf(k) * NANOS);
                if (due > now && due > (now = System.nanoTime())) {
                    scheduledUpTo = due; // every arrival due before this one is handled
                    return due;
                }
                k++;
                offer(phase, due);
            }
            return -1;
        }

        private void offer(int p, long due) {
            int second = secondOf(due);
            Tally.PhaseCounts counts = tally.phase(p);
            tally.add(Tally.Column.OFFERED, second, events);
            counts.offered.add(events);
            if (inFlight.get() >= scenario.maxInFlight()) {
                tally.add(Tally.Column.DROPPED, second, events);
                counts.dropped.add(events);
                return;
            }
            maxSeen = Math.max(maxSeen, inFlight.incrementAndGet());
            send(newArrival(p, due, chooser, events));
        }
    }

    private long drainNanos() {
        long perAttempt = scenario.timeout().toNanos() + (scenario.mode().retries() ? 30 * NANOS : 0);
        return Math.min(MAX_DRAIN_SECONDS * NANOS, perAttempt * scenario.maxAttempts() + NANOS);
    }

    private void awaitDrained(long deadline) throws InterruptedException {
        synchronized (drained) {
            long left;
            while (inFlight.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                drained.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private static void waitUntil(long due) {
        long left;
        while ((left = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    private int secondOf(long nanos) {
        return (int) Math.max(0, (nanos - start) / NANOS);
    }

    private Arrival newArrival(int phase, long due, KeyChooser chooser, int events) {
        int[] keys = new int[events];
        String[] idempotencyKeys = scenario.mode().retries() ? new String[events] : null;
        for (int i = 0; i < events; i++) {
            keys[i] = chooser.next();
            if (idempotencyKeys != null) {
                idempotencyKeys[i] = scenario.keyPrefix() + "-e" + idempotencySequence++;
            }
        }
        return new Arrival(phase, due, keys, idempotencyKeys);
    }

    private void send(Arrival arrival) {
        arrival.attempts++;
        if (arrival.attempts == 1) {
            for (int key : arrival.keys) {
                ledger.recordSent(key);
            }
            tally.phase(arrival.phase).sent.add(arrival.keys.length);
        }
        byte[] body;
        String idempotencyKey = null;
        if (scenario.mode().batch()) {
            body = batchBody(arrival);
        } else {
            body = singleBody(arrival.keys[0]);
            idempotencyKey = arrival.idempotencyKeys == null ? null : arrival.idempotencyKeys[0];
        }
        try {
            http.post(uri, body, idempotencyKey, answer -> answered(arrival, answer));
        } catch (RuntimeException e) {
            answered(arrival, new HttpTarget.Answer(0, null, null, e));
        }
    }

    private byte[] singleBody(int key) {
        byte[] digits = Integer.toString(key).getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[keyPrefixJson.length + digits.length + 2];
        System.arraycopy(keyPrefixJson, 0, body, 0, keyPrefixJson.length);
        System.arraycopy(digits, 0, body, keyPrefixJson.length, digits.length);
        body[body.length - 2] = '"';
        body[body.length - 1] = '}';
        return body;
    }

    private byte[] batchBody(Arrival arrival) {
        StringBuilder json = new StringBuilder(arrival.pending.length * 64).append('[');
        for (int j = 0; j < arrival.pending.length; j++) {
            int i = arrival.pending[j];
            json.append(j == 0 ? "" : ",").append("{\"key\":\"").append(scenario.key(arrival.keys[i])).append('"');
            if (arrival.idempotencyKeys != null) {
                json.append(",\"idempotencyKey\":\"").append(arrival.idempotencyKeys[i]).append('"');
            }
            json.append('}');
        }
        return json.append(']').toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** One attempt's answer: every pending event ends acknowledged, refused or uncertain, or is sent again. */
    private void answered(Arrival arrival, HttpTarget.Answer answer) {
        long now = System.nanoTime();
        int second = secondOf(now);
        int[] pending = arrival.pending;
        int[] again = new int[pending.length];
        int retry = 0;
        int status = answer.failed() ? 0 : answer.status();
        JsonNode results = scenario.mode().batch() && !answer.failed() && (status == 200 || status == 202
                || status == 207) ? Answers.batchResults(answer.body()) : null;
        if (results != null && results.size() == pending.length) {
            for (int j = 0; j < pending.length; j++) {
                int i = pending[j];
                JsonNode result = results.get(j);
                switch (result.path("status").asText()) {
                    case "success" -> {
                        tally.answered(arrival.phase, second, 200, 1);
                        acknowledge(arrival, i, result.path("load").asLong(0));
                    }
                    case "accepted" -> {
                        tally.answered(arrival.phase, second, 202, 1);
                        acknowledge(arrival, i, 0);
                    }
                    case "unavailable" -> {
                        tally.answered(arrival.phase, second, 503, 1);
                        again[retry++] = i;
                    }
                    case "unconfirmed" -> {
                        tally.answered(arrival.phase, second, 504, 1);
                        arrival.maybeWritten[i] = true;
                        again[retry++] = i;
                    }
                    default -> {
                        tally.answered(arrival.phase, second, 500, 1);
                        arrival.maybeWritten[i] = true;
                        finish(arrival, i);
                    }
                }
            }
        } else {
            tally.answered(arrival.phase, second, status, pending.length);
            boolean wholeRetry = status == 0 || status == 429 || status == 503 || status == 504;
            boolean mayBeWritten = status == 0 || status >= 500 && status != 503
                    || status >= 200 && status < 300;
            for (int i : pending) {
                arrival.maybeWritten[i] |= mayBeWritten;
                if (!scenario.mode().batch() && (status == 200 || status == 202)) {
                    acknowledge(arrival, i, status == 200 ? Answers.load(answer.body()).orElse(0) : 0);
                } else if (wholeRetry) {
                    again[retry++] = i;
                } else {
                    finish(arrival, i);
                }
            }
        }
        if (retry > 0 && scenario.mode().retries() && arrival.attempts < scenario.maxAttempts()) {
            arrival.pending = java.util.Arrays.copyOf(again, retry);
            long wait = Answers.retryAfterMillis(answer.failed() ? null : answer.retryAfter());
            try {
                timers.schedule(() -> send(arrival), wait, TimeUnit.MILLISECONDS);
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the run is over (drain deadline passed): these events end as they are
            }
        }
        for (int j = 0; j < retry; j++) {
            finish(arrival, again[j]);
        }
        if (arrival.acknowledged > 0) {
            tally.latency(arrival.phase, second, (now - arrival.due) / 1000);
        }
        if (inFlight.decrementAndGet() == 0) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    private void acknowledge(Arrival arrival, int event, long load) {
        arrival.acknowledged++;
        ledger.recordAcknowledged(arrival.keys[event], load);
    }

    /** An event that got no acknowledgement: counted never (refused) or perhaps (it may have been written). */
    private void finish(Arrival arrival, int event) {
        if (arrival.maybeWritten[event]) {
            ledger.recordUncertain(arrival.keys[event]);
        } else {
            ledger.recordRefused();
        }
    }

    /** Prints (and keeps) the line of every whole second not printed yet; at the end, of the last part too. */
    private synchronized void printSeconds(boolean last) {
        long upTo = Math.min(System.nanoTime(), scheduledUpTo);
        int now = secondOf(upTo) + (last ? 1 : 0);
        while (printed < now && printed < tally.seconds()) {
            int s = printed++;
            Histogram latency = tally.takeSecond(s);
            SecondStats stats = new SecondStats(s + 1, tally.get(Tally.Column.OFFERED, s),
                    tally.get(Tally.Column.DROPPED, s), tally.get(Tally.Column.ANSWERS, s),
                    millis(latency, 50), millis(latency, 99), tally.get(Tally.Column.S200, s),
                    tally.get(Tally.Column.S202, s), tally.get(Tally.Column.S429, s), tally.get(Tally.Column.S503, s),
                    tally.get(Tally.Column.OTHER, s), tally.get(Tally.Column.ERRORS, s), inFlight.get());
            seconds.add(stats);
            out.println(progressLine(stats, phaseAt(s)));
        }
    }

    private String phaseAt(int second) {
        long at = (long) second * NANOS;
        for (int p = 0; p < arrivals.phases().size(); p++) {
            if (at < phaseStartNanos[p + 1]) {
                return (p + 1) + "/" + arrivals.phases().size();
            }
        }
        return "drain";
    }

    static String progressLine(SecondStats s, String phase) {
        return String.format(Locale.ROOT, "%5ds %-5s offered %6d/s achieved %6d/s  p50 %8.1f ms  p99 %8.1f ms  "
                        + "200 %6d  202 %5d  429 %5d  503 %5d  other %4d  errors %4d  dropped %5d  in flight %5d",
                s.t(), phase, s.offered(), s.answers(), s.p50Ms(), s.p99Ms(), s.s200(), s.s202(), s.s429(),
                s.s503(), s.other(), s.errors(), s.dropped(), s.inFlight());
    }

    static double millis(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    private List<PhaseSummary> phaseSummaries() {
        List<PhaseSummary> summaries = new ArrayList<>();
        for (int p = 0; p < arrivals.phases().size(); p++) {
            Tally.PhaseCounts counts = tally.phase(p);
            Histogram latency = tally.phaseLatency(p);
            Phase phase = scenario.profile().phases().get(p);
            double seconds = phase.seconds();
            summaries.add(new PhaseSummary(p + 1, phase.spec(), phaseStartNanos[p] / 1e9, phaseStartNanos[p + 1] / 1e9,
                    counts.offered.sum(), counts.sent.sum(), counts.dropped.sum(), counts.answers.sum(),
                    counts.offered.sum() / seconds, counts.answers.sum() / seconds, millis(latency, 50),
                    millis(latency, 90), millis(latency, 99), latency.getMaxValue() / 1000.0, latency.getTotalCount(),
                    counts.statuses()));
        }
        return summaries;
    }
}
