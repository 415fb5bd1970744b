package dev.surge.stack.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Clients that send a POST's headers at once and its body one byte a second: what a slow or hostile client does to
 * hold a server's worker threads. Loopback only.
 */
final class SlowBodies implements AutoCloseable {
    private static final String HEAD = "POST /simulate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    private static final int READ_TIMEOUT_MS = 2_000;

    /** What became of the slow connections. */
    record Outcome(int opened, int answered408, int closedWithout408) {
    }

    private final List<Socket> sockets;

    private SlowBodies(List<Socket> sockets) {
        this.sockets = sockets;
    }

    static SlowBodies open(int port, int connections) throws IOException {
        SlowBodies bodies = new SlowBodies(new ArrayList<>(connections));
        try {
            for (int i = 0; i < connections; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
                socket.setSoTimeout(READ_TIMEOUT_MS);
                bodies.sockets.add(socket);
                write(socket, HEAD + "{");
            }
        } catch (IOException e) {
            bodies.close();
            throw e;
        }
        return bodies;
    }

    /** Sends one body byte a second on every connection for {@code duration}, then reads what each got. */
    Outcome drip(Duration duration) throws InterruptedException {
        String[] answers = new String[sockets.size()];
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            TimeUnit.SECONDS.sleep(1);
            for (int i = 0; i < sockets.size(); i++) {
                if (answers[i] == null) {
                    // read an answer as soon as it is there: writing on after the server closed brings a reset,
                    // which can discard what it had sent
                    answers[i] = answerIfSent(sockets.get(i));
                }
                if (answers[i] == null) {
                    write(sockets.get(i), " ");
                }
            }
        }
        int answered408 = 0;
        int closed = 0;
        for (int i = 0; i < sockets.size(); i++) {
            String status = answers[i] != null ? answers[i] : statusLine(sockets.get(i));
            if (status.startsWith("HTTP/1.1 408")) {
                answered408++;
            } else if (status.isEmpty()) {
                closed++;
            }
        }
        return new Outcome(sockets.size(), answered408, closed);
    }

    private static String answerIfSent(Socket socket) {
        try {
            return socket.getInputStream().available() > 0 ? statusLine(socket) : null;
        } catch (IOException e) {
            return "";
        }
    }

    private static void write(Socket socket, String text) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            // the server closed it (after its 408, or at once): what it answered, if anything, is read at the end
            try {
                socket.shutdownOutput();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    /** The first line the server sent, "" when it closed without one, "pending" when it sent nothing yet. */
    private static String statusLine(Socket socket) {
        StringBuilder line = new StringBuilder();
        try {
            InputStream in = socket.getInputStream();
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                line.append((char) b);
            }
            return line.toString().trim();
        } catch (SocketTimeoutException e) {
            return line.length() == 0 ? "pending" : line.toString().trim();
        } catch (IOException e) {
            return line.toString().trim();
        }
    }

    @Override
    public void close() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
