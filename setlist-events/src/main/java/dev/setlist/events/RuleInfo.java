package dev.setlist.events;

/** A rule: an event pattern or a schedule expression, on a bus, ENABLED or DISABLED. */
public record RuleInfo(String name, String arn, String eventBusName, String eventPattern, String scheduleExpression,
                       String state, String description) {}
