package dev.setlist.server.sfn;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.engine.ExecutionInfo;
import dev.setlist.engine.ExecutionListener;
import dev.setlist.engine.ExecutionStatus;
import dev.setlist.server.auth.Principal;
import dev.setlist.server.http.Json;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A state machine's {@code loggingConfiguration} honoured: its executions' status changes are
 * written to the server's log ({@code setlist.executions}, the configured log group in the MDC as
 * {@code logGroup}) at the configured level — {@code ALL} every change, {@code ERROR} and
 * {@code FATAL} the executions that failed, timed out or were aborted, {@code OFF} nothing. With
 * {@code includeExecutionData} the line carries the input and output as a caller without
 * {@code setlist:ReadSensitive} would see them (the flow's sensitive fields redacted). Thread safe.
 */
public final class ExecutionLog implements ExecutionListener {
    private static final Logger LOG = LoggerFactory.getLogger("setlist.executions");
    private static final Principal NOBODY = new Principal("execution-log", List.of(), "none");

    private final MachineConfigurations configurations;
    private final Redactor redactor;

    public ExecutionLog(MachineConfigurations configurations, Redactor redactor) {
        this.configurations = configurations;
        this.redactor = redactor;
    }

    @Override
    public void statusChanged(ExecutionInfo e) {
        if (e.stateMachineArn() == null) {
            return;
        }
        MachineConfigurations.Configuration c;
        try {
            c = configurations.of(StepFunctions.machineOf(e.stateMachineArn()));
        } catch (RuntimeException unavailable) {
            return; // no configuration to read (the database is away): nothing is logged for it
        }
        boolean failed = e.status() == ExecutionStatus.FAILED || e.status() == ExecutionStatus.TIMED_OUT
                || e.status() == ExecutionStatus.ABORTED;
        boolean wanted = switch (c.level()) {
            case "ALL" -> true;
            case "ERROR", "FATAL" -> failed;
            default -> false;
        };
        if (!wanted) {
            return;
        }
        ObjectNode line = Json.object().put("executionArn", e.arn()).put("status", e.status().name());
        if (e.error() != null) {
            line.put("error", e.error());
        }
        if (c.includeExecutionData()) {
            ObjectNode data = Json.object().put("executionArn", e.arn());
            Json.opt(data, "input", e.input());
            Json.opt(data, "output", e.output());
            redactor.answer("DescribeExecution", Req.of(Json.object()), NOBODY, data);
            line.set("input", data.get("input"));
            line.set("output", data.get("output"));
        }
        String group = c.logging().path("destinations").path(0).path("cloudWatchLogsLogGroup").path("logGroupArn")
                .asText(null);
        if (group != null) {
            MDC.put("logGroup", group);
        }
        try {
            if (failed) {
                LOG.warn("{}", line);
            } else {
                LOG.info("{}", line);
            }
        } finally {
            MDC.remove("logGroup");
        }
    }
}
