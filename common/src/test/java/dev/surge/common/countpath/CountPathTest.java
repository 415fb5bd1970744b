package dev.surge.common.countpath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.surge.common.topic.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class CountPathTest {

    @Test
    void shouldPlaceAKeyInThePartitionTheProducerWritesItTo() {
        Generation generation = new Generation(2, 24);
        for (int i = 0; i < 1_000; i++) {
            String key = "key-" + i;
            assertThat(generation.partitionOf(key)).isEqualTo(
                    BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), 24));
        }
    }

    @Test
    void shouldKeepTheFirstGenerationsNamesAndNumberTheOthers() {
        assertThat(new Generation(1, 12).eventsTopic()).isEqualTo("load-events");
        assertThat(new Generation(1, 12).applicationId("surge-counter")).isEqualTo("surge-counter");
        assertThat(new Generation(3, 24).eventsTopic()).isEqualTo("load-events-g3");
        assertThat(new Generation(3, 24).handoverTopic()).isEqualTo("load-handover-g3");
        assertThat(new Generation(3, 24).applicationId("surge-counter")).isEqualTo("surge-counter-g3");
    }

    @Test
    void shouldWriteToThePreviousGenerationUntilTheCutOver() {
        CountPath preparing = CountPath.initial(12).preparing(24);
        assertThat(preparing.writeTo().number()).isEqualTo(1);
        assertThat(preparing.running()).extracting(Generation::number).containsExactly(1, 2);
        assertThat(preparing.successorOf(1)).isEmpty();

        CountPath cutover = preparing.cutover();
        assertThat(cutover.writeTo()).isEqualTo(new Generation(2, 24));
        assertThat(cutover.successorOf(1)).contains(new Generation(2, 24));
        assertThat(cutover.successorOf(2)).isEmpty();

        CountPath settled = cutover.settled();
        assertThat(settled.running()).containsExactly(new Generation(2, 24));
        assertThat(settled.successorOf(1)).isEmpty();
    }

    @Test
    void shouldRefuseASecondRescaleWhileOneIsUnderWayAndStepsOutOfOrder() {
        assertThatThrownBy(() -> CountPath.initial(12).preparing(24).preparing(48))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("under way");
        assertThatThrownBy(() -> CountPath.initial(12).cutover()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldSurviveTheTripThroughItsTopicsSerde() {
        CountPath cutover = CountPath.initial(12).preparing(24).cutover();
        byte[] bytes = Topics.COUNT_PATH.valueSerde().serializer().serialize("t", cutover);
        assertThat(Topics.COUNT_PATH.valueSerde().deserializer().deserialize("t", bytes)).isEqualTo(cutover);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).doesNotContain("eventsTopic");
    }
}
