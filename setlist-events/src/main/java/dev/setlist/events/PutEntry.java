package dev.setlist.events;

import java.time.Instant;
import java.util.List;

/** One entry of PutEvents: {@code detail} is a JSON object as text; null fields take their defaults. */
public record PutEntry(String source, String detailType, String detail, List<String> resources, Instant time,
                       String eventBusName, String traceHeader) {

    public static PutEntry of(String source, String detailType, String detail) {
        return new PutEntry(source, detailType, detail, List.of(), null, null, null);
    }

    public PutEntry onBus(String bus) {
        return new PutEntry(source, detailType, detail, resources, time, bus, traceHeader);
    }
}
