package dev.setlist.asl;

import java.util.List;
import java.util.stream.Collectors;

/** A definition that does not compile, with every problem found, each located. */
public final class InvalidDefinitionException extends Exception {
    private final transient List<Problem> problems;

    public InvalidDefinitionException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("; ")), null, false, false);
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
