package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.internal.model.State.MapState;
import java.util.ArrayList;
import java.util.List;

/** ItemBatcher: groups a Map's items into batches of {"BatchInput": …, "Items": […]}. */
final class Batches {
    private Batches() {}

    static List<JsonNode> group(MapState.Batcher batcher, List<JsonNode> items, Interpreter.Step step, JsonNode input, JsonNode states) {
        Interpreter interpreter = step.interpreter();
        int maxItems = interpreter.intValue(batcher.maxItemsPerBatch(), step, input, states, "MaxItemsPerBatch", Integer.MAX_VALUE);
        int maxBytes = interpreter.intValue(batcher.maxInputBytesPerBatch(), step, input, states, "MaxInputBytesPerBatch", 256 * 1024);
        if (maxItems <= 0 || maxBytes <= 0) {
            throw StatesException.runtime("The ItemBatcher of Map state '" + step.state.name() + "' needs positive limits");
        }
        JsonNode batchInput = batcher.batchInput() == null ? null : interpreter.eval(batcher.batchInput(), step, input, states);
        List<JsonNode> batches = new ArrayList<>();
        ArrayNode current = null;
        long bytes = 0;
        for (JsonNode item : items) {
            long size = item.toString().length();
            if (current == null || current.size() >= maxItems || (current.size() > 0 && bytes + size > maxBytes)) {
                ObjectNode batch = JsonNodeFactory.instance.objectNode();
                if (batchInput != null) {
                    batch.set("BatchInput", batchInput);
                }
                current = batch.putArray("Items");
                batches.add(batch);
                bytes = 0;
            }
            current.add(item);
            bytes += size;
        }
        return batches;
    }
}
