package dev.setlist.engine.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.Frame;
import dev.setlist.asl.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

/**
 * One frame of a live execution (the execution itself, a Parallel branch or a Map iteration) and
 * what it waits for. Persisted as one {@code sl_frame} row; guarded by its {@link Run}'s lock.
 */
final class Node {
    /**
     * PENDING: a child not started yet. RUN: entered, being computed. TASK: a task is being
     * invoked (re-invoked with the same idempotency key after a crash). WAIT and RETRY: a timer.
     * CALLBACK: a task token, activity or child execution will answer. CHILDREN: branches or
     * iterations run. DONE and ABORTED: ended.
     */
    enum Status { PENDING, RUN, TASK, WAIT, RETRY, CALLBACK, CHILDREN, DONE, ABORTED }

    /** What a CHILDREN node runs. */
    record Children(String kind, int max, int total, boolean distributed, String mapRunArn, String executionType,
                    String label) {}

    final int id;
    final Integer parent;
    final int index;
    Frame frame;
    Status status;
    boolean entered;
    Long wakeAt;
    String token;
    Outcome outcome;
    long lastEvent;
    /** The id of the …StateEntered event of the current state (named in States.Runtime causes). */
    long enteredEvent;
    /** For TASK and CALLBACK: how the task answers (LOCAL, TOKEN, ACTIVITY, SYNC, SYNC2). */
    String via;
    String resource;
    Long taskDeadline;
    Long heartbeatDeadline;
    Integer heartbeatSeconds;
    /** For a Distributed Map iteration: its child execution's id. */
    Long childExecution;
    Children children;
    final List<Node> kids = new ArrayList<>();

    // Not persisted.
    boolean dirty;
    boolean driving;
    Future<?> inflight;
    volatile long lastBeat;
    /** When (on the engine's clock) the last heartbeat came while the handler still ran; 0 for none. */
    volatile long lastBeatMillis;
    /** The write that stored this local task's wait for its callback (null before). */
    volatile Write parked;

    Node(int id, Integer parent, int index, Frame frame, Status status) {
        this.id = id;
        this.parent = parent;
        this.index = index;
        this.frame = frame;
        this.status = status;
        this.dirty = true;
    }

    boolean ended() {
        return status == Status.DONE || status == Status.ABORTED;
    }

    String body() {
        ObjectNode b = Json.object();
        b.put("m", frame.machine());
        b.put("s", frame.state());
        b.set("i", frame.input());
        if (!frame.variables().isEmpty()) {
            b.set("v", frame.variables());
        }
        if (!frame.outer().isEmpty()) {
            b.set("o", frame.outer());
        }
        if (frame.retries().length > 0) {
            ArrayNode r = b.putArray("r");
            for (int n : frame.retries()) {
                r.add(n);
            }
        }
        if (entered) {
            b.put("e", true);
        }
        b.put("l", lastEvent);
        if (enteredEvent != 0) {
            b.put("ee", enteredEvent);
        }
        if (via != null) {
            b.put("via", via);
            b.put("res", resource);
        }
        if (taskDeadline != null) {
            b.put("td", taskDeadline);
        }
        if (heartbeatDeadline != null) {
            b.put("hd", heartbeatDeadline);
            b.put("hs", heartbeatSeconds);
        }
        if (childExecution != null) {
            b.put("x", childExecution);
        }
        if (children != null) {
            ObjectNode c = b.putObject("c");
            c.put("k", children.kind());
            c.put("max", children.max());
            c.put("n", children.total());
            if (children.distributed()) {
                c.put("d", true);
                c.put("mr", children.mapRunArn());
                c.put("et", children.executionType());
                c.put("lb", children.label());
            }
        }
        return Json.write(b);
    }

    static Node fromRow(int id, Integer parent, int index, String status, String body, Long wakeAt, String token,
                        String outcome) {
        JsonNode b = Json.read(body);
        int[] retries = null;
        if (b.has("r")) {
            retries = new int[b.get("r").size()];
            for (int i = 0; i < retries.length; i++) {
                retries[i] = b.get("r").get(i).intValue();
            }
        }
        Frame frame = new Frame(b.get("m").textValue(), b.get("s").textValue(), b.get("i"),
                b.has("v") ? (ObjectNode) b.get("v") : Json.object(), b.has("o") ? (ObjectNode) b.get("o") : Json.object(),
                retries);
        Node n = new Node(id, parent, index, frame, Status.valueOf(status));
        n.dirty = false;
        n.entered = b.path("e").asBoolean(false);
        n.lastEvent = b.path("l").asLong(0);
        n.enteredEvent = b.path("ee").asLong(0);
        n.wakeAt = wakeAt;
        n.token = token;
        if (b.has("via")) {
            n.via = b.get("via").textValue();
            n.resource = b.get("res").textValue();
        }
        n.taskDeadline = b.has("td") ? b.get("td").longValue() : null;
        if (b.has("hd")) {
            n.heartbeatDeadline = b.get("hd").longValue();
            n.heartbeatSeconds = b.get("hs").intValue();
        }
        n.childExecution = b.has("x") ? b.get("x").longValue() : null;
        if (b.has("c")) {
            JsonNode c = b.get("c");
            n.children = new Children(c.get("k").textValue(), c.get("max").intValue(), c.get("n").intValue(),
                    c.path("d").asBoolean(false), c.path("mr").textValue(), c.path("et").textValue(), c.path("lb").textValue());
        }
        if (outcome != null) {
            JsonNode o = Json.read(outcome);
            n.outcome = o.has("e") || o.path("f").asBoolean(false) ? Outcome.failure(o.path("e").textValue(), o.path("c").textValue())
                    : Outcome.success(o.get("o"));
        }
        return n;
    }

    String outcomeJson() {
        if (outcome == null) {
            return null;
        }
        ObjectNode o = Json.object();
        if (outcome.succeeded()) {
            o.set("o", outcome.output());
        } else {
            o.put("f", true); // error and cause may both be null (a Fail state without them)
            if (outcome.error() != null) {
                o.put("e", outcome.error());
            }
            if (outcome.cause() != null) {
                o.put("c", outcome.cause());
            }
        }
        return Json.write(o);
    }
}
