// Every topic of a cluster with its partitions, replication factor, min.insync.replicas, smallest ISR and leaders,
// through Kafka's Admin client: java -cp "local-stack/target/lib/*" bench/DescribeTopics.java HOST:PORT
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.common.config.ConfigResource;
import java.util.*;
public class DescribeTopics {
    public static void main(String[] a) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", a[0]))) {
            System.out.println("brokers: " + admin.describeCluster().nodes().get().stream().map(n -> n.id() + "@" + n.host() + ":" + n.port()).toList()
                + " controller " + admin.describeCluster().controller().get().id());
            Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
            Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get();
            List<ConfigResource> res = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            Map<ConfigResource, Config> cfg = admin.describeConfigs(res).all().get();
            for (String n : new TreeSet<>(names)) {
                TopicDescription t = d.get(n);
                Map<Integer, Long> leaders = new TreeMap<>();
                int minIsr = Integer.MAX_VALUE; 
                Set<Integer> rf = new TreeSet<>();
                for (var p : t.partitions()) { rf.add(p.replicas().size()); minIsr = Math.min(minIsr, p.isr().size()); leaders.merge(p.leader() == null ? -1 : p.leader().id(), 1L, Long::sum); }
                System.out.printf("%-60s partitions %2d  RF %s  min.insync.replicas %s  smallest ISR %d  leaders %s%n", n, t.partitions().size(), rf,
                    cfg.get(new ConfigResource(ConfigResource.Type.TOPIC, n)).get("min.insync.replicas").value(), minIsr, leaders);
            }
        }
    }
}
