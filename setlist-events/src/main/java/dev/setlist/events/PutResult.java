package dev.setlist.events;

/** The answer for one PutEvents entry: its event id, or an error code and message. */
public record PutResult(String eventId, String errorCode, String errorMessage) {
    public boolean failed() {
        return errorCode != null;
    }
}
