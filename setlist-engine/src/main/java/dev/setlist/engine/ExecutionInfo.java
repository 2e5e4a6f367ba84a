package dev.setlist.engine;

import java.time.Instant;

/**
 * What DescribeExecution tells of an execution. {@code output}, {@code error} and {@code cause}
 * are set once it ended; {@code input} and {@code output} are JSON texts.
 */
public record ExecutionInfo(String arn, String stateMachineArn, String name, StateMachineType type,
                            ExecutionStatus status, String input, String output, String error, String cause,
                            Instant startDate, Instant stopDate, int redriveCount, Instant redriveDate,
                            String mapRunArn, String parentArn, String traceHeader) {}
