// The HTTP ceiling of this machine for Surge's stack: the article's counter as a trivial Javalin 7 endpoint, with the
// same Jackson JSON writing as ingest-api and no Kafka. Run with the single-file source launcher on ingest-api's
// runtime classpath (bench/run.sh does this):
//   java -cp 'ingest-api/target/lib/*' bench/JavalinCeiling.java 18091
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

public class JavalinCeiling {
    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18091;
        ObjectMapper mapper = new ObjectMapper();
        AtomicLong load = new AtomicLong();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.post("/simulate", ctx -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("status", "success");
                body.put("load", load.incrementAndGet());
                ctx.status(200).contentType("application/json").result(mapper.writeValueAsBytes(body));
            });
            config.routes.get("/health/ready", ctx -> ctx.json(Map.of("status", "READY")));
        });
        app.start("127.0.0.1", port);
        System.out.println("Javalin ceiling listening on 127.0.0.1:" + port);
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop));
    }
}
