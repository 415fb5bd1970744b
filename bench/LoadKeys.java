// Fills a stack with keys fast, for bench/query-latency.sh: one event for each of the keys PREFIX0 .. PREFIX(N-1),
// written straight to load-events as ingest-api writes them (same key, same serde, same default partitioner), so
// counter-streams counts them as it counts any event. Not a substitute for POST /simulate: no ack is waited for.
//
//   java -cp 'counter-streams/target/lib/*' bench/LoadKeys.java BOOTSTRAP KEYS [PREFIX]
//
// Prints how many events were written and how long it took; exits 1 if any write failed.
import dev.surge.common.event.EventRecord;
import dev.surge.common.event.LoadEvent;
import dev.surge.common.topic.Topics;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

public final class LoadKeys {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        long keys = Long.parseLong(args[1]);
        String prefix = args.length > 2 ? args[2] : "q-";
        AtomicLong failed = new AtomicLong();
        long started = System.nanoTime();
        try (KafkaProducer<String, EventRecord> producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                Topics.LOAD_EVENTS.keySerde().serializer(), Topics.LOAD_EVENTS.valueSerde().serializer())) {
            for (long i = 0; i < keys; i++) {
                String key = prefix + i;
                producer.send(new ProducerRecord<>(Topics.LOAD_EVENTS.name(), key,
                        new LoadEvent("bench-" + i, key, System.currentTimeMillis())), (metadata, e) -> {
                            if (e != null && failed.getAndIncrement() == 0) {
                                System.err.println("write failed: " + e);
                            }
                        });
            }
            producer.flush();
        }
        System.out.printf("wrote %d events (%d failed) in %.1f s%n", keys - failed.get(), failed.get(),
                (System.nanoTime() - started) / 1e9);
        System.exit(failed.get() == 0 ? 0 : 1);
    }
}
