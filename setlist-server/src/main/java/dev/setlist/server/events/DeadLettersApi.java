package dev.setlist.server.events;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.setlist.events.EventBus;
import dev.setlist.events.EventsException;
import dev.setlist.events.QueuedDeadLetter;
import dev.setlist.server.http.Access;
import dev.setlist.server.http.ApiException;
import dev.setlist.server.http.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;

/**
 * The dead-letter queues of targets ({@code DeadLetterConfig.Arn}, {@code arn:aws:sqs:REGION:ACCOUNT:NAME}):
 * {@code GET /api/v1/events/dead-letter-queues/{name}/messages?limit=&nextToken=} reads a queue's
 * messages, oldest first, each with the payload the target did not receive and EventBridge's
 * dead-letter attributes ({@code events:ReceiveDeadLetters}); {@code DELETE
 * /api/v1/events/dead-letter-queues/{name}/messages/{id}} removes one once handled
 * ({@code events:DeleteDeadLetter}).
 */
public final class DeadLettersApi {
    public static final String RECEIVE = "events:ReceiveDeadLetters";
    public static final String DELETE = "events:DeleteDeadLetter";

    private final EventBus bus;
    private final String queuePrefix;

    public DeadLettersApi(EventBus bus, String region, String account) {
        this.bus = bus;
        this.queuePrefix = "arn:aws:sqs:" + region + ":" + account + ":";
    }

    public void routing(RoutesConfig routes) {
        routes.get("/api/v1/events/dead-letter-queues/{name}/messages", this::receive, Access.action(RECEIVE));
        routes.delete("/api/v1/events/dead-letter-queues/{name}/messages/{id}", this::delete, Access.action(DELETE));
    }

    private void receive(Context ctx) {
        String queue = queuePrefix + ctx.pathParam("name");
        int limit = 10;
        String l = ctx.queryParam("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 100) {
                throw ApiException.validation("limit must be an integer from 1 to 100, was '" + l + "'");
            }
        }
        List<QueuedDeadLetter> messages;
        try {
            messages = bus.receiveDeadLetters(queue, ctx.queryParam("nextToken"), limit + 1);
        } catch (EventsException e) {
            throw ApiException.badRequest(e.code().name(), e.getMessage());
        }
        ObjectNode out = Json.object().put("QueueArn", queue);
        ArrayNode list = out.putArray("Messages");
        for (QueuedDeadLetter m : messages.subList(0, Math.min(limit, messages.size()))) {
            ObjectNode o = list.addObject();
            o.put("MessageId", m.id());
            o.put("EventId", m.eventId());
            o.put("Body", m.body());
            o.put("SentTimestamp", m.sent().toEpochMilli());
            ObjectNode a = o.putObject("Attributes");
            a.put("RULE_ARN", m.ruleArn());
            a.put("TARGET_ARN", m.targetArn());
            a.put("TARGET_ID", m.targetId());
            a.put("ERROR_CODE", m.errorCode());
            if (m.errorMessage() != null) {
                a.put("ERROR_MESSAGE", m.errorMessage());
            }
            a.put("EXHAUSTED_RETRY_CONDITION", m.exhaustedRetryCondition());
            a.put("RETRY_ATTEMPTS", Integer.toString(m.retryAttempts()));
        }
        if (messages.size() > limit) {
            out.put("NextToken", messages.get(limit - 1).id());
        }
        ctx.json(out);
    }

    private void delete(Context ctx) {
        if (!bus.deleteDeadLetter(queuePrefix + ctx.pathParam("name"), ctx.pathParam("id"))) {
            throw new ApiException(404, "ResourceNotFoundException", "No message " + ctx.pathParam("id")
                    + " in dead-letter queue " + ctx.pathParam("name"));
        }
        ctx.status(204);
    }
}
