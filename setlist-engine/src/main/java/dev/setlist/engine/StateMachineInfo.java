package dev.setlist.engine;

import java.time.Instant;

/**
 * A state machine as stored. {@code revisionId} changes with every update of the definition or
 * role; running executions keep the revision they started with.
 */
public record StateMachineInfo(String arn, String name, StateMachineType type, String definition, String roleArn,
                               Instant creationDate, Instant updateDate, String revisionId, String description) {}
