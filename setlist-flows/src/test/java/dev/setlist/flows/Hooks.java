package dev.setlist.flows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real local HTTP endpoint that records every webhook call: path and JSON body, in order. */
final class Hooks implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    record Call(String path, JsonNode body) {}

    final HttpServer server;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    final Map<String, Integer> statusByPath = new ConcurrentHashMap<>();

    Hooks() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            calls.add(new Call(path, JSON.readTree(body)));
            exchange.sendResponseHeaders(statusByPath.getOrDefault(path, 204), -1);
            exchange.close();
        });
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The paths called, in order, for notifications about {@code alarm}. */
    List<String> paths(String alarm) {
        return calls.stream().filter(c -> c.body().path("alarm").asText().equals(alarm)).map(Call::path).toList();
    }

    List<Call> calls(String alarm) {
        return calls.stream().filter(c -> c.body().path("alarm").asText().equals(alarm)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
