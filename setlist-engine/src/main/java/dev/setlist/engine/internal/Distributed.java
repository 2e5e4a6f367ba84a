package dev.setlist.engine.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.asl.ErrorNames;
import dev.setlist.asl.Outcome;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.internal.Node.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Distributed Map: each item (or batch) runs as a child execution of the Map's ItemProcessor, a
 * Standard execution in the database or an Express one in memory, at most MaxConcurrency at a
 * time, together forming a Map Run. A child's end is recorded as a callback to the parent's Map
 * frame, so the parent resumes on any node; a lost Express child is run again (at least once).
 */
final class Distributed {
    private final Runner runner;
    /** Express children running here, by parent execution and item: not to be started twice. */
    private final Set<String> expressRunning = ConcurrentHashMap.newKeySet();

    Distributed(Runner runner) {
        this.runner = runner;
    }

    /** The Map frame entered its children: record the Map Run and start the first children. Under the lock. */
    Runnable start(Run run, Node parent, dev.setlist.asl.Action.RunChildren rc) {
        Node.Children c = parent.children;
        JsonNode processor = processorDefinition(run.interpreter.machine().definition(), parent.frame.machine(),
                parent.frame.state());
        String definition = Json.write(processor);
        String definitionId = Json.sha256(definition);
        run.addOp(Write.ROWS, runner.db.dialect() == Dialect.POSTGRES
                ? "INSERT INTO sl_definition (id, body) VALUES (?, ?) ON CONFLICT (id) DO NOTHING"
                : "MERGE INTO sl_definition (id, body) KEY (id) VALUES (?, ?)", definitionId, definition);
        run.addOp(Write.ROWS, "INSERT INTO sl_map_run (arn, execution_id, frame_id, status, started, max_concurrency,"
                        + " tolerated_percentage, tolerated_count, total, execution_type) VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?)",
                c.mapRunArn(), run.id, parent.id, runner.clock.now().toEpochMilli(),
                c.max() == Integer.MAX_VALUE ? 0 : c.max(),
                rc.toleratedFailurePercentage() == null ? 0.0 : rc.toleratedFailurePercentage(),
                rc.toleratedFailureCount() == null ? 0L : rc.toleratedFailureCount(), (long) c.total(), executionType(c));
        run.distributedDefinitions.put(parent.id, new String[] {definitionId, definition});
        return startMore(run, parent);
    }

    private static String executionType(Node.Children c) {
        return "EXPRESS".equals(c.executionType()) ? "EXPRESS" : "STANDARD";
    }

    /**
     * Starts pending children up to the limit (their rows join the run's next write); returns what
     * to do once that write committed. Under the lock.
     */
    Runnable startMore(Run run, Node parent) {
        Node.Children c = parent.children;
        boolean express = "EXPRESS".equals(executionType(c));
        String[] def = run.distributedDefinitions.get(parent.id);
        if (def == null) {
            JsonNode processor = processorDefinition(run.interpreter.machine().definition(), parent.frame.machine(),
                    parent.frame.state());
            String definition = Json.write(processor);
            def = new String[] {Json.sha256(definition), definition};
            run.distributedDefinitions.put(parent.id, def);
        }
        int running = 0;
        for (Node k : parent.kids) {
            if (k.status == Status.RUN) {
                running++;
            }
        }
        List<Run> standard = new ArrayList<>();
        List<Runner.StartSpec> expressSpecs = new ArrayList<>();
        for (Node k : parent.kids) {
            String key = run.id + "/" + parent.id + "/" + k.index;
            if (express && k.status == Status.RUN && !expressRunning.contains(key)) {
                expressSpecs.add(spec(run, parent, k, def, true)); // lost with a crash: run it again
                continue;
            }
            if (running >= c.max() || k.status != Status.PENDING) {
                continue;
            }
            k.status = Status.RUN;
            k.dirty = true;
            running++;
            Runner.StartSpec spec = spec(run, parent, k, def, express);
            if (express) {
                expressSpecs.add(spec);
            } else {
                Write w = new Write();
                Run child = runner.prepareStandard(spec, w, true);
                k.childExecution = child.id;
                for (Write.Op op : w.ops) {
                    run.addOp(op.rank(), op.sql(), op.params());
                }
                standard.add(child);
            }
        }
        return () -> {
            standard.forEach(runner::begin);
            for (Runner.StartSpec spec : expressSpecs) {
                startExpress(run.id, parent.id, spec);
            }
        };
    }

    private Runner.StartSpec spec(Run run, Node parent, Node kid, String[] def, boolean express) {
        String label = parent.children.label() != null ? parent.children.label() : parent.frame.state();
        String name = Json.sha256(run.meta.arn() + "/" + parent.id + "/" + kid.index + "/" + run.meta.redriveCount())
                .substring(0, 36);
        String smName = run.meta.stateMachineName() + "/" + label;
        String arn = runner.arns.execution(smName, name, express);
        String token = Tokens.make(run.id, parent.id, "item-" + kid.index);
        JsonNode input = kid.frame.input();
        return new Runner.StartSpec(arn, run.meta.stateMachineArn(), run.meta.stateMachineName(), name, express, def[0],
                def[1], input, Json.write(input), run.meta.roleArn(), null, token, parent.children.mapRunArn(),
                run.meta.traceHeader());
    }

    private void startExpress(long parentId, int frameId, Runner.StartSpec spec) {
        String key = parentId + "/" + frameId + "/" + Tokens.parse(spec.parentToken()).mapItem();
        if (!expressRunning.add(key)) {
            return;
        }
        runner.startExpress(spec).whenComplete((info, failure) -> {
            try {
                if (info != null) {
                    recordChildEnd(spec.parentToken(), info);
                }
            } finally {
                expressRunning.remove(key);
            }
        });
    }

    /** Records an ended Express child for its parent, in its own transaction. */
    private void recordChildEnd(String parentToken, ExecutionInfo info) {
        Tokens.Parsed p = Tokens.parse(parentToken);
        long now = runner.clock.now().toEpochMilli();
        runner.db.transaction(c -> {
            runner.insertCallback(c, p.executionId(), p.frameId(), parentToken, "CHILD", describe(info), now);
            return null;
        });
        runner.notifyExecution(p.executionId());
    }

    /**
     * A child execution (a Map item or a nested .sync execution) ends: tell its parent in the same
     * write (Standard) or right away (Express). Under the child's lock.
     */
    void childEnded(Run child, List<Write.Op> ops) {
        if (child.meta.express()) {
            return; // the Express start's completion records it
        }
        Tokens.Parsed p = Tokens.parse(child.meta.parentToken());
        long now = runner.clock.now().toEpochMilli();
        ExecutionInfo info = runner.info(child);
        ops.add(new Write.Op(Write.ROWS, "INSERT INTO sl_callback (id, execution_id, frame_id, token, kind, payload, created)"
                + " VALUES (?, ?, ?, ?, 'CHILD', ?, ?)", new Object[] {runner.nextId(), p.executionId(), p.frameId(),
                child.meta.parentToken(), Json.write(describe(info)), now}));
        ops.add(new Write.Op(Write.ROWS, "UPDATE sl_execution SET version = version + 1, wake_at = ? WHERE id = ?"
                + " AND status = 'RUNNING'", new Object[] {now, p.executionId()}));
    }

    /** DescribeExecution's shape, as a .sync task returns it and as a Map item's outcome. */
    static ObjectNode describe(ExecutionInfo info) {
        ObjectNode d = Json.object();
        d.put("ExecutionArn", info.arn());
        d.put("StateMachineArn", info.stateMachineArn());
        d.put("Name", info.name());
        d.put("Status", info.status().name());
        d.put("StartDate", info.startDate().toEpochMilli() / 1000.0);
        if (info.stopDate() != null) {
            d.put("StopDate", info.stopDate().toEpochMilli() / 1000.0);
        }
        d.put("Input", info.input());
        if (info.output() != null) {
            d.put("Output", info.output());
        }
        if (info.error() != null) {
            d.put("Error", info.error());
        }
        if (info.cause() != null) {
            d.put("Cause", info.cause());
        }
        return d;
    }

    /** A Map item's child execution ended (its callback was loaded). Under the lock. */
    void childOutcome(Run run, Node parent, Runner.Callback cb) {
        int index = Tokens.parse(cb.token()).mapItem();
        if (index < 0 || index >= parent.kids.size()) {
            return;
        }
        Node kid = parent.kids.get(index);
        if (kid.ended()) {
            return;
        }
        JsonNode d = Json.read(cb.payload());
        kid.status = Status.DONE;
        kid.dirty = true;
        kid.outcome = "SUCCEEDED".equals(d.path("Status").asText())
                ? Outcome.success(Json.read(d.path("Output").asText("null")))
                : Outcome.failure(d.path("Error").textValue(), d.path("Cause").textValue());
        if (!kid.outcome.succeeded() && run.interpreter.machine().failsFast(parent.frame.machine(), parent.frame.state())) {
            for (Node k : parent.kids) {
                if (!k.ended()) {
                    if (k.childExecution != null) {
                        long childId = k.childExecution;
                        run.afterRelease.add(() -> runner.stopStored(childId, ErrorNames.BRANCH_FAILED,
                                "Another item of the Map Run failed"));
                    }
                    k.status = Status.ABORTED;
                    k.dirty = true;
                }
            }
        }
    }

    /** The Map frame's children all ended: close the Map Run. Under the lock. */
    void finish(Run run, Node parent, boolean anyFailed) {
        long now = runner.clock.now().toEpochMilli();
        run.addOp(Write.ROWS, "UPDATE sl_map_run SET status = ?, stopped = ? WHERE arn = ?",
                anyFailed && run.interpreter.machine().failsFast(parent.frame.machine(), parent.frame.state())
                        ? "FAILED" : "SUCCEEDED", now, parent.children.mapRunArn());
        run.emitMapRunEnded(parent, anyFailed && run.interpreter.machine().failsFast(parent.frame.machine(),
                parent.frame.state()));
    }

    /** The Map state's ItemProcessor as a definition of its own. */
    static JsonNode processorDefinition(JsonNode definition, String machinePath, String stateName) {
        JsonNode machine = definition;
        if (!machinePath.isEmpty()) {
            for (String part : machinePath.split("/")) {
                int hash = part.indexOf('#');
                if (hash >= 0) {
                    machine = machine.get("States").get(part.substring(0, hash)).get("Branches")
                            .get(Integer.parseInt(part.substring(hash + 1)));
                } else {
                    JsonNode map = machine.get("States").get(part);
                    machine = map.has("ItemProcessor") ? map.get("ItemProcessor") : map.get("Iterator");
                }
            }
        }
        JsonNode map = machine.get("States").get(stateName);
        ObjectNode processor = (map.has("ItemProcessor") ? map.get("ItemProcessor") : map.get("Iterator")).deepCopy();
        processor.remove("ProcessorConfig");
        JsonNode language = map.has("QueryLanguage") ? map.get("QueryLanguage")
                : machine.has("QueryLanguage") ? machine.get("QueryLanguage") : definition.get("QueryLanguage");
        if (language != null && !processor.has("QueryLanguage")) {
            processor.set("QueryLanguage", language);
        }
        return processor;
    }
}
