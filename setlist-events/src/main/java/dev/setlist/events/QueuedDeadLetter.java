package dev.setlist.events;

import java.time.Instant;

/**
 * A message of a dead-letter queue: the payload a target did not receive and why, with the
 * attributes EventBridge gives dead letters ({@code RULE_ARN}, {@code TARGET_ARN},
 * {@code ERROR_CODE}, {@code ERROR_MESSAGE}, {@code EXHAUSTED_RETRY_CONDITION}, {@code RETRY_ATTEMPTS}).
 */
public record QueuedDeadLetter(String id, String queueArn, String eventId, String eventBusName, String ruleArn,
                               String targetId, String targetArn, String body, String errorCode, String errorMessage,
                               String exhaustedRetryCondition, int retryAttempts, Instant sent) {}
