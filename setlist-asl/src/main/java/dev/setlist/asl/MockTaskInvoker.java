package dev.setlist.asl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers Task states from a mock configuration in the format of AWS Step Functions Local:
 * {@code StateMachines → <machine> → TestCases → <case> → <state> → <mocked response>}, and
 * {@code MockedResponses → <response> → {"0": {"Return": …}, "1-2": {"Throw": {"Error", "Cause"}}}},
 * keys being the 0-based invocation numbers of that state (retries and Map iterations count).
 * A task without a mock fails with {@code States.TaskFailed} naming its state and resource.
 */
public final class MockTaskInvoker implements TaskInvoker {
    private final Map<String, List<Range>> byState;
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    private record Range(int from, int to, JsonNode response) {}

    private MockTaskInvoker(Map<String, List<Range>> byState) {
        this.byState = byState;
    }

    /**
     * Builds the invoker for one test case. {@code machine} may be null when the configuration
     * holds exactly one state machine with that test case.
     *
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    public static MockTaskInvoker of(JsonNode config, String machine, String testCase) {
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException("the mock configuration must be a JSON object");
        }
        JsonNode machines = config.path("StateMachines");
        if (!machines.isObject()) {
            throw new IllegalArgumentException("the mock configuration has no \"StateMachines\" object");
        }
        JsonNode cases = null;
        if (machine != null) {
            cases = machines.path(machine).path("TestCases");
            if (!cases.isObject()) {
                throw new IllegalArgumentException("no state machine \"" + machine + "\" with TestCases in the mock configuration");
            }
        } else {
            List<String> found = new ArrayList<>();
            for (Iterator<String> it = machines.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (machines.path(name).path("TestCases").has(testCase)) {
                    found.add(name);
                    cases = machines.path(name).path("TestCases");
                }
            }
            if (found.size() > 1) {
                throw new IllegalArgumentException("test case \"" + testCase + "\" exists for several state machines "
                        + found + "; name one");
            }
        }
        JsonNode testCaseNode = cases == null ? null : cases.get(testCase);
        if (testCaseNode == null || !testCaseNode.isObject()) {
            throw new IllegalArgumentException("no test case \"" + testCase + "\" in the mock configuration");
        }
        JsonNode responses = config.path("MockedResponses");
        Map<String, List<Range>> byState = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = testCaseNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String responseName = e.getValue().asText();
            JsonNode response = responses.get(responseName);
            if (response == null || !response.isObject()) {
                throw new IllegalArgumentException("test case \"" + testCase + "\" maps state \"" + e.getKey()
                        + "\" to \"" + responseName + "\", which is not in MockedResponses");
            }
            byState.put(e.getKey(), ranges(responseName, response));
        }
        return new MockTaskInvoker(byState);
    }

    private static List<Range> ranges(String name, JsonNode response) {
        List<Range> ranges = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = response.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            int from;
            int to;
            try {
                int dash = key.indexOf('-');
                from = Integer.parseInt(dash < 0 ? key : key.substring(0, dash));
                to = dash < 0 ? from : Integer.parseInt(key.substring(dash + 1));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("MockedResponses/" + name + ": \"" + key
                        + "\" is not an invocation number or range such as \"0\" or \"1-3\"");
            }
            if (from < 0 || to < from) {
                throw new IllegalArgumentException("MockedResponses/" + name + ": \"" + key + "\" is not a valid range");
            }
            JsonNode value = e.getValue();
            if (!value.has("Return") && !value.has("Throw")) {
                throw new IllegalArgumentException("MockedResponses/" + name + "/" + key + ": needs \"Return\" or \"Throw\"");
            }
            ranges.add(new Range(from, to, value));
        }
        return List.copyOf(ranges);
    }

    @Override
    public JsonNode invoke(Request request) {
        List<Range> ranges = byState.get(request.stateName());
        if (ranges == null) {
            throw new StatesException(ErrorNames.TASK_FAILED, "No mocked response for state '" + request.stateName()
                    + "' (resource " + request.resource() + ") in this test case");
        }
        int n = calls.computeIfAbsent(request.stateName(), k -> new AtomicInteger()).getAndIncrement();
        for (Range r : ranges) {
            if (n >= r.from && n <= r.to) {
                JsonNode response = r.response;
                if (response.has("Throw")) {
                    JsonNode t = response.get("Throw");
                    throw new StatesException(t.path("Error").asText(ErrorNames.TASK_FAILED), t.path("Cause").asText(""));
                }
                return response.get("Return");
            }
        }
        throw new StatesException(ErrorNames.TASK_FAILED, "No mocked response for invocation " + n + " of state '"
                + request.stateName() + "' (resource " + request.resource() + ")");
    }
}
