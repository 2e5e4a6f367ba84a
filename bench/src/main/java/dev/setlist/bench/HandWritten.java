package dev.setlist.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The reference machines written by hand in plain Java: the baseline the interpreter is
 * measured against. Each method does the work its machine describes, on the same Jackson
 * trees: it reads the same fields (failing when one is missing, as the interpreter does),
 * takes the same Choice decisions, and builds every state's output as a new object without
 * touching its input (a {@code ResultPath} merge is a shallow copy of the input plus one
 * field). It leaves out only what a person writing the code would never do: objects that an
 * {@code OutputPath} discards at once. {@code BenchmarkEquivalenceTest} checks that each
 * method and the interpreter give equal outputs.
 */
public final class HandWritten {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final ObjectNode GOLD = NODES.objectNode().put("rate", 0.2).put("label", "gold");
    private static final ObjectNode SILVER = NODES.objectNode().put("rate", 0.1).put("label", "silver");
    private static final ObjectNode STANDARD = NODES.objectNode().put("rate", 0).put("label", "standard");
    private static final ObjectNode OPEN = NODES.objectNode().put("open", true);
    private static final ObjectNode CLOSED = NODES.objectNode().put("open", false);
    private static final TextNode SUBSCRIBED = TextNode.valueOf("subscribed");
    private static final TextNode UNSUBSCRIBED = TextNode.valueOf("unsubscribed");
    private static final TextNode ONLINE = TextNode.valueOf("online");
    private static final TextNode OFFLINE = TextNode.valueOf("offline");
    private static final TextNode ACCEPTED = TextNode.valueOf("ACCEPTED");
    private static final TextNode REVIEW = TextNode.valueOf("review");
    private static final TextNode LOW = TextNode.valueOf("low");

    private HandWritten() {}

    /** chain10.asl.json: Extract → CheckTier → Gold|Silver|Standard → CheckSource → Online|Offline → Assemble → Done. */
    public static JsonNode chain10(JsonNode input) {
        // Extract
        JsonNode order = field(input, "order");
        JsonNode customer = field(order, "customer");
        ObjectNode summary = NODES.objectNode();
        summary.set("id", field(order, "id"));
        summary.set("customer", field(customer, "name"));
        summary.set("tier", field(customer, "tier"));
        summary.set("total", field(order, "total"));
        summary.set("currency", field(order, "currency"));
        summary.set("source", field(field(input, "meta"), "source"));
        ObjectNode afterExtract = with(input, "summary", summary);

        // CheckTier, then Gold, Silver or Standard
        JsonNode tier = summary.get("tier");
        ObjectNode discount;
        if (textEquals(tier, "gold") && greaterThan(summary.get("total"), 100)) {
            discount = GOLD;
        } else if (textEquals(tier, "silver")) {
            discount = SILVER;
        } else {
            discount = STANDARD;
        }
        ObjectNode afterDiscount = with(afterExtract, "discount", discount);

        // CheckSource, then Online or Offline (InputPath $.summary)
        JsonNode source = summary.get("source");
        boolean online = textEquals(source, "web") || textEquals(source, "mobile");
        ObjectNode channel = NODES.objectNode();
        channel.set("channel", online ? ONLINE : OFFLINE);
        channel.set("source", field(summary, "source"));
        channel.set("customer", field(summary, "customer"));
        ObjectNode afterChannel = with(afterDiscount, "channel", channel);

        // Assemble (its ResultPath merge is dropped by OutputPath $.result), then Done
        ObjectNode result = NODES.objectNode();
        JsonNode s = field(afterChannel, "summary");
        result.set("orderId", field(s, "id"));
        result.set("customer", field(s, "customer"));
        result.set("total", field(s, "total"));
        result.set("currency", field(s, "currency"));
        result.set("discount", field(afterChannel, "discount"));
        result.set("channel", field(field(afterChannel, "channel"), "channel"));
        result.set("status", ACCEPTED);
        return result;
    }

    /** map100.asl.json: PriceLines (ItemSelector, Classify → Bulk|Single per item, ResultSelector) → Report. */
    public static JsonNode map100(JsonNode input) {
        JsonNode items = field(input, "items");
        if (!items.isArray()) {
            throw new IllegalArgumentException("items is not an array");
        }
        JsonNode currency = field(input, "currency");
        ArrayNode lines = NODES.arrayNode(items.size());
        for (int i = 0; i < items.size(); i++) {
            // ItemSelector
            ObjectNode selected = NODES.objectNode();
            selected.set("index", IntNode.valueOf(i));
            selected.set("item", items.get(i));
            selected.set("currency", currency);
            // Classify, then Bulk or Single
            JsonNode item = field(selected, "item");
            boolean bulk = greaterThanOrEqual(field(item, "qty"), 10);
            ObjectNode line = NODES.objectNode();
            line.set("line", field(selected, "index"));
            line.set("sku", field(item, "sku"));
            line.set("qty", field(item, "qty"));
            line.set("price", field(item, "price"));
            line.set("currency", field(selected, "currency"));
            line.set("bulk", BooleanNode.valueOf(bulk));
            lines.add(line);
        }
        // ResultSelector and ResultPath $.priced
        ObjectNode priced = NODES.objectNode();
        priced.set("lines", lines);
        ObjectNode afterMap = with(input, "priced", priced);
        // Report
        ObjectNode report = NODES.objectNode();
        report.set("orderId", field(afterMap, "orderId"));
        report.set("lines", field(field(afterMap, "priced"), "lines"));
        return report;
    }

    /** parallel4.asl.json: Gather runs Profile, Orders, Prefs and Risk one after the other, then ResultSelector. */
    public static JsonNode parallel4(JsonNode input) {
        ArrayNode results = NODES.arrayNode(4);
        results.add(profile(input));
        results.add(orders(input));
        results.add(prefs(input));
        results.add(risk(input));
        // ResultSelector (its ResultPath merge is dropped by OutputPath $.report)
        ObjectNode report = NODES.objectNode();
        report.set("profile", results.get(0));
        report.set("orders", results.get(1));
        report.set("prefs", results.get(2));
        report.set("risk", results.get(3));
        return report;
    }

    private static JsonNode profile(JsonNode input) {
        JsonNode user = field(input, "user");
        ObjectNode out = NODES.objectNode();
        out.set("id", field(user, "id"));
        out.set("name", field(user, "name"));
        out.set("email", field(user, "email"));
        return out;
    }

    private static JsonNode orders(JsonNode input) {
        JsonNode all = field(input, "orders");
        JsonNode latest = all.isArray() ? all.get(0) : null;
        if (latest == null) {
            throw new IllegalArgumentException("no latest order");
        }
        ObjectNode out = NODES.objectNode();
        out.set("latest", latest);
        out.set("all", all);
        return with(out, "flags", textEquals(field(latest, "status"), "OPEN") ? OPEN : CLOSED);
    }

    private static JsonNode prefs(JsonNode input) {
        JsonNode prefs = field(input, "prefs");
        ObjectNode out = NODES.objectNode();
        out.set("lang", field(prefs, "language"));
        out.set("newsletter", field(prefs, "newsletter"));
        JsonNode newsletter = out.get("newsletter");
        boolean subscribed = newsletter.isBoolean() && newsletter.booleanValue();
        return with(out, "status", subscribed ? SUBSCRIBED : UNSUBSCRIBED);
    }

    private static JsonNode risk(JsonNode input) {
        JsonNode age = field(field(input, "user"), "age");
        boolean review = lessThan(age, 18) || greaterThan(age, 65);
        ObjectNode out = NODES.objectNode();
        out.set("level", review ? REVIEW : LOW);
        out.set("age", age);
        return out;
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** A field of an object; missing fields and non-objects fail, as a JSONPath that selects nothing does. */
    private static JsonNode field(JsonNode node, String name) {
        JsonNode value = node.isObject() ? node.get(name) : null;
        if (value == null) {
            throw new IllegalArgumentException("no field '" + name + "'");
        }
        return value;
    }

    /** A new object: {@code node}'s fields (shared, not copied) plus {@code name}. */
    private static ObjectNode with(JsonNode node, String name, JsonNode value) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("cannot add '" + name + "' to a non-object");
        }
        ObjectNode copy = NODES.objectNode();
        copy.setAll((ObjectNode) node);
        copy.set(name, value);
        return copy;
    }

    private static boolean textEquals(JsonNode node, String text) {
        return node.isTextual() && node.textValue().equals(text);
    }

    private static boolean greaterThan(JsonNode node, long bound) {
        return node.isNumber() && (node.isIntegralNumber() ? node.longValue() > bound : node.doubleValue() > bound);
    }

    private static boolean greaterThanOrEqual(JsonNode node, long bound) {
        return node.isNumber() && (node.isIntegralNumber() ? node.longValue() >= bound : node.doubleValue() >= bound);
    }

    private static boolean lessThan(JsonNode node, long bound) {
        return node.isNumber() && (node.isIntegralNumber() ? node.longValue() < bound : node.doubleValue() < bound);
    }
}
