package dev.setlist.events;

/**
 * A request the event bus refuses, with the EventBridge error name and a message that names the
 * problem. Nothing was changed when this is thrown.
 */
public final class EventsException extends RuntimeException {

    /** The EventBridge API error names the bus answers with. */
    public enum Code {
        ValidationException, ResourceNotFoundException, ResourceAlreadyExistsException, InvalidEventPatternException,
        LimitExceededException, IllegalStatusException, ConcurrentModificationException
    }

    private final Code code;

    public EventsException(Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
