package dev.setlist.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Clock;
import dev.setlist.asl.Entropy;
import dev.setlist.asl.ExecutionResult;
import dev.setlist.asl.InvalidDefinitionException;
import dev.setlist.asl.LocalRunner;
import dev.setlist.asl.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * The reference machines of the interpreter benchmark, their inputs, and the runners that
 * execute them. Definitions live in {@code src/main/resources/machines/}; inputs are built
 * here so that tests can vary them to drive every Choice branch.
 */
public final class ReferenceMachines {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A clock that never moves: none of the machines waits, and time is not what is measured. */
    static final Clock FIXED_CLOCK = new Clock() {
        private final Instant now = Instant.parse("2025-01-01T00:00:00Z");

        @Override
        public Instant now() {
            return now;
        }

        @Override
        public void sleepUntil(Instant instant) {
            // never waits
        }
    };

    /** Constant entropy, so that an execution's name (and the context object) is the same every run. */
    static final Entropy FIXED_ENTROPY = new Entropy() {
        @Override
        public double nextDouble() {
            return 0.5;
        }

        @Override
        public String uuid() {
            return "00000000-0000-4000-8000-000000000000";
        }
    };

    /** One reference machine: its name, definition, the hand-written equivalent and a typical input. */
    public enum Machine {
        CHAIN10("chain10", HandWritten::chain10, chain10Input("gold", 120.5, "web")),
        MAP100("map100", HandWritten::map100, map100Input(100)),
        PARALLEL4("parallel4", HandWritten::parallel4, parallel4Input(34, "OPEN", true));

        public final String id;
        public final UnaryOperator<JsonNode> handWritten;
        public final JsonNode input;

        Machine(String id, UnaryOperator<JsonNode> handWritten, JsonNode input) {
            this.id = id;
            this.handWritten = handWritten;
            this.input = input;
        }

        public String definition() {
            return resource("machines/" + id + ".asl.json");
        }

        public StateMachine compile() {
            try {
                return StateMachine.compile(definition());
            } catch (InvalidDefinitionException e) {
                throw new IllegalStateException(id + " does not compile: " + e.getMessage(), e);
            }
        }

        /** A runner as the benchmark uses it: no tasks, no history listener, fixed clock and entropy. */
        public LocalRunner runner() {
            return LocalRunner.builder(compile()).clock(FIXED_CLOCK).entropy(FIXED_ENTROPY).build();
        }

        /** Runs the interpreter once and returns the output, failing loudly if the execution failed. */
        public static JsonNode output(LocalRunner runner, JsonNode input) {
            ExecutionResult result = runner.run(input);
            if (!result.succeeded()) {
                throw new IllegalStateException("execution " + result.status() + ": " + result.error() + ": " + result.cause());
            }
            return result.output();
        }
    }

    /** The 50-state definition of the validation and compile benchmarks. */
    public static String validate50() {
        return resource("machines/validate50.asl.json");
    }

    static String resource(String name) {
        try (InputStream in = ReferenceMachines.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- inputs -------------------------------------------------------------------------------

    /** An order for chain10; tier, total and source pick the Choice branches. */
    public static ObjectNode chain10Input(String tier, double total, String source) {
        ObjectNode in = NODES.objectNode();
        ObjectNode order = in.putObject("order");
        order.put("id", "o-1001");
        ObjectNode customer = order.putObject("customer");
        customer.put("name", "Ada Lovelace");
        customer.put("tier", tier);
        customer.put("since", "2019-04-01");
        order.put("total", total);
        order.put("currency", "EUR");
        ArrayNode lines = order.putArray("lines");
        for (int i = 0; i < 3; i++) {
            lines.addObject().put("sku", "SKU-" + i).put("qty", i + 1).put("price", 10.25 * (i + 1));
        }
        ObjectNode meta = in.putObject("meta");
        meta.put("source", source);
        meta.put("attempt", 1);
        meta.put("trace", "1-5e1b-4a2c");
        return in;
    }

    /** An order of {@code n} lines for map100; every third line has a bulk quantity (≥ 10). */
    public static ObjectNode map100Input(int n) {
        ObjectNode in = NODES.objectNode();
        in.put("orderId", "o-2001");
        in.put("currency", "EUR");
        ArrayNode items = in.putArray("items");
        for (int i = 0; i < n; i++) {
            ObjectNode item = items.addObject();
            item.put("sku", String.format("SKU-%03d", i));
            item.put("qty", i % 3 == 0 ? 10 + i % 7 : 1 + i % 9);
            item.put("price", (i * 37 % 1000) / 10.0 + 0.5);
            item.putArray("tags").add("catalog").add(i % 2 == 0 ? "even" : "odd");
        }
        return in;
    }

    /** A customer for parallel4; age, the latest order's status and the newsletter flag pick the branches. */
    public static ObjectNode parallel4Input(int age, String latestStatus, boolean newsletter) {
        ObjectNode in = NODES.objectNode();
        ObjectNode user = in.putObject("user");
        user.put("id", "u-7");
        user.put("name", "Grace Hopper");
        user.put("email", "grace@example.com");
        user.put("age", age);
        ArrayNode orders = in.putArray("orders");
        orders.addObject().put("id", "o-31").put("status", latestStatus).put("total", 42.0);
        orders.addObject().put("id", "o-30").put("status", "SHIPPED").put("total", 17.5);
        orders.addObject().put("id", "o-29").put("status", "SHIPPED").put("total", 99.99);
        ObjectNode prefs = in.putObject("prefs");
        prefs.put("language", "en");
        prefs.put("newsletter", newsletter);
        prefs.put("theme", "dark");
        return in;
    }

    private ReferenceMachines() {}
}
