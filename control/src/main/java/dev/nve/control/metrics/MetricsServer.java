package dev.nve.control.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The opt-in Prometheus endpoint of {@code nve run --metrics ADDR:PORT}: {@code GET /metrics}
 * answers the counters in the text format; everything else is 404 (or 405 for other methods).
 * One thread; meant for a loopback address (the default), since it has no authentication.
 */
public final class MetricsServer implements AutoCloseable
{
    private final HttpServer server;

    private MetricsServer(final HttpServer server)
    {
        this.server = server;
    }

    /** Listens on {@code address} and serves {@code counters()} at {@code /metrics}. */
    public static MetricsServer start(final InetSocketAddress address, final Supplier<Map<String, Long>> counters) throws IOException
    {
        final HttpServer server = HttpServer.create(address, 8);
        server.createContext("/", exchange -> answer(exchange, counters));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("nve-metrics").unstarted(r)));
        server.start();
        return new MetricsServer(server);
    }

    private static void answer(final HttpExchange exchange, final Supplier<Map<String, Long>> counters) throws IOException
    {
        try (exchange)
        {
            final boolean metrics = exchange.getRequestURI().getPath().equals("/metrics");
            final int status = !metrics ? 404 : exchange.getRequestMethod().equals("GET") ? 200 : 405;
            final byte[] body = (status == 200 ? PrometheusText.format(counters.get()) : status == 404 ? "not found: try /metrics\n" : "GET only\n")
                .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body);
            }
        }
    }

    /** The address it listens on (the port chosen when 0 was asked for). */
    public InetSocketAddress address()
    {
        return server.getAddress();
    }

    @Override
    public void close()
    {
        server.stop(0);
        ((java.util.concurrent.ExecutorService)server.getExecutor()).shutdownNow();
    }
}
