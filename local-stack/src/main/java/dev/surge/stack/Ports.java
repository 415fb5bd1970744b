package dev.surge.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;

/** Which loopback ports are free, for the processes of the stack (nothing listens beyond 127.0.0.1). */
public final class Ports {
    private Ports() {
    }

    /**
     * Whether a server could listen on {@code port} now. Connections in TIME_WAIT from a stack just stopped do not
     * count: the services' servers bind with SO_REUSEADDR, and so does this check (set before binding, where it
     * has effect).
     */
    public static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static void requireFree(int port) {
        if (!free(port)) {
            throw new IllegalStateException("Port " + port + " on 127.0.0.1 is in use: stop what holds it or pick "
                    + "another port (see ./surge up --help)");
        }
    }

    /** The first port from {@code from} upwards that is free and not in {@code taken}. */
    public static int firstFree(int from, Set<Integer> taken) {
        for (int port = from; port <= 65_535; port++) {
            if (!taken.contains(port) && free(port)) {
                return port;
            }
        }
        throw new IllegalStateException("No free port on 127.0.0.1 from " + from + " upwards");
    }
}
