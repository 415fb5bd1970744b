package dev.surge.stack.faults;

import dev.surge.common.event.LoadEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The promises a fault run checks, over everything the recording client saw and everything the events topics hold:
 * <ul>
 *   <li><b>I1</b> every event answered 200 or 202 is in the count path, and counted once;</li>
 *   <li><b>I2</b> every event refused (4xx, 503) and never accepted by a retry is not counted;</li>
 *   <li><b>I3</b> an event never answered, or answered 504 (Kafka did not confirm the write), is counted at most
 *       once, and exactly once once a retry with its {@code Idempotency-Key} was accepted;</li>
 *   <li><b>I4</b> the loads acked for a key never repeat (a retry's {@code duplicate} answer repeats its first
 *       count, which is the point), and once quiet the key's count equals its events in the topics (after the
 *       idempotency dedup).</li>
 * </ul>
 * A plain event's refusal can only be told apart from its silence per key: the topics may hold at most as many plain
 * events of a key that no 2xx names as the client sent plain requests of that key that got no answer.
 */
final class Invariants {
    private Invariants() {
    }

    /** What the count path should show for a key once quiet, and why a check failed. */
    record Verdict(Map<String, Long> expectedCounts, List<String> violations) {
        boolean held() {
            return violations.isEmpty();
        }
    }

    /** Checks I1-I3 and the first half of I4; {@link #countsMatch} the second half, once the counts are read. */
    static Verdict check(Collection<Attempt> attempts, Collection<CommittedEvents.Written> written) {
        List<String> violations = new ArrayList<>();
        Map<String, List<LoadEvent>> byId = written.stream().map(CommittedEvents.Written::event)
                .collect(Collectors.groupingBy(LoadEvent::id));
        byId.forEach((id, copies) -> {
            if (copies.size() > 1) {
                violations.add("I1: event " + id + " (key " + copies.get(0).key() + ") is in the topics "
                        + copies.size() + " times");
            }
        });
        // An idempotency key is scoped to the client by ingest-api ("<client>/<key>"): the suffix is the client's key.
        Map<String, Integer> writtenPerIdempotencyKey = new HashMap<>();
        for (List<LoadEvent> copies : byId.values()) {
            String scoped = copies.get(0).idempotencyKey();
            if (scoped != null) {
                writtenPerIdempotencyKey.merge(scoped.substring(scoped.indexOf('/') + 1), 1, Integer::sum);
            }
        }
        Map<Long, List<Attempt>> byEvent = attempts.stream().collect(Collectors.groupingBy(Attempt::event));
        Map<String, Integer> unansweredPlain = new HashMap<>();
        Set<String> acceptedPlainIds = new HashSet<>();
        for (List<Attempt> tries : byEvent.values()) {
            Attempt first = tries.get(0);
            boolean accepted = tries.stream().anyMatch(Attempt::accepted);
            if (first.idempotent()) {
                int inTopics = writtenPerIdempotencyKey.getOrDefault(first.idempotencyKey(), 0);
                if (accepted && inTopics == 0) {
                    violations.add("I1: event " + first.idempotencyKey() + " (key " + first.key() + ") was answered "
                            + statuses(tries) + " but is not in the topics");
                }
                boolean silent = tries.stream().anyMatch(Attempt::unanswered);
                if (!accepted && !silent && inTopics > 0) {
                    violations.add("I2: event " + first.idempotencyKey() + " (key " + first.key() + ") was refused "
                            + statuses(tries) + " but is in the topics");
                }
                checkRetryLoads(tries, violations);
            } else if (accepted) {
                Attempt answer = tries.stream().filter(Attempt::accepted).findFirst().orElseThrow();
                acceptedPlainIds.add(answer.eventId());
                if (!byId.containsKey(answer.eventId())) {
                    violations.add("I1: plain event " + answer.eventId() + " (key " + first.key() + ") was answered "
                            + answer.status() + " but is not in the topics");
                }
            } else if (first.unanswered()) {
                unansweredPlain.merge(first.key(), 1, Integer::sum);
            }
        }
        Map<String, Integer> unclaimedPlain = new HashMap<>();
        for (List<LoadEvent> copies : byId.values()) {
            LoadEvent event = copies.get(0);
            if (event.idempotencyKey() == null && !acceptedPlainIds.contains(event.id())) {
                unclaimedPlain.merge(event.key(), 1, Integer::sum);
            }
        }
        unclaimedPlain.forEach((key, count) -> {
            int silent = unansweredPlain.getOrDefault(key, 0);
            if (count > silent) {
                violations.add("I2/I3: key " + key + " has " + count + " plain events in the topics that no 2xx "
                        + "named, but only " + silent + " plain requests went unanswered");
            }
        });
        checkDistinctLoads(attempts, violations);
        return new Verdict(expectedCounts(byId.values()), violations);
    }

    /** I4, second half: each key's count, read once quiet, equals the events of that key. */
    static List<String> countsMatch(Map<String, Long> expected, Map<String, Long> actual) {
        List<String> violations = new ArrayList<>();
        new TreeMap<>(expected).forEach((key, count) -> {
            Long seen = actual.get(key);
            if (seen == null || seen.longValue() != count) {
                violations.add("I4: key " + key + " counts " + seen + " but its events in the topics are " + count);
            }
        });
        return violations;
    }

    /** Per key: plain events, plus one per distinct idempotency key. */
    private static Map<String, Long> expectedCounts(Collection<List<LoadEvent>> events) {
        Map<String, Set<String>> retryKeys = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        for (List<LoadEvent> copies : events) {
            LoadEvent event = copies.get(0);
            if (event.idempotencyKey() == null || retryKeys.computeIfAbsent(event.key(), k -> new HashSet<>())
                    .add(event.idempotencyKey())) {
                counts.merge(event.key(), 1L, Long::sum);
            }
        }
        return counts;
    }

    /** The 200s of one idempotent event all carry the load its first counted attempt got. */
    private static void checkRetryLoads(List<Attempt> tries, List<String> violations) {
        Set<Long> loads = tries.stream().filter(Attempt::counted).map(Attempt::load).collect(Collectors.toSet());
        if (loads.size() > 1) {
            violations.add("I3: retries of " + tries.get(0).idempotencyKey() + " got different loads " + loads);
        }
    }

    /** I4, first half: per key, no load is handed out twice to different events. */
    private static void checkDistinctLoads(Collection<Attempt> attempts, List<String> violations) {
        Map<String, Map<Long, Set<Long>>> eventsPerLoad = new HashMap<>();
        for (Attempt attempt : attempts) {
            if (attempt.counted()) {
                eventsPerLoad.computeIfAbsent(attempt.key(), k -> new HashMap<>())
                        .computeIfAbsent(attempt.load(), l -> new HashSet<>()).add(attempt.event());
            }
        }
        eventsPerLoad.forEach((key, loads) -> loads.forEach((load, events) -> {
            if (events.size() > 1) {
                violations.add("I4: key " + key + " acked load " + load + " to " + events.size() + " events");
            }
        }));
    }

    private static String statuses(List<Attempt> tries) {
        return tries.stream().map(t -> t.status() == Attempt.NO_ANSWER ? "no answer" : Integer.toString(t.status()))
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
