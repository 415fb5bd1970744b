import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The container HEALTHCHECK of the Surge images. The JRE base image has neither curl nor wget, so the check is this
 * class, compiled in the build stage: it asks the service in the same container for {@code path} (default
 * {@code /health/ready}) and exits 0 on a 2xx answer, 1 on anything else, as Docker expects.
 *
 * <p>It reads the service's own settings: {@code SURGE_HTTP_PORT} (default 8080) and {@code SURGE_HTTP_HOST}, with
 * the wildcard addresses replaced by loopback.
 */
public final class HealthProbe {
    private static final int TIMEOUT_MILLIS = 2_000;

    private HealthProbe() {
    }

    public static void main(String[] args) {
        String path = args.length > 0 ? args[0] : "/health/ready";
        String host = System.getenv().getOrDefault("SURGE_HTTP_HOST", "");
        if (host.isBlank() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        } else if (host.contains(":") && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        String port = System.getenv().getOrDefault("SURGE_HTTP_PORT", "8080");
        String url = "http://" + host + ":" + port + path;
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
            connection.setConnectTimeout(TIMEOUT_MILLIS);
            connection.setReadTimeout(TIMEOUT_MILLIS);
            int status = connection.getResponseCode();
            connection.disconnect();
            System.out.println(url + " -> " + status);
            System.exit(status >= 200 && status < 300 ? 0 : 1);
        } catch (IOException | IllegalArgumentException e) {
            System.out.println(url + " -> " + e);
            System.exit(1);
        }
    }
}
