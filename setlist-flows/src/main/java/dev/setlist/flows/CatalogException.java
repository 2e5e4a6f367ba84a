package dev.setlist.flows;

import java.util.List;

/** A catalog that cannot be loaded, with every problem found in it. */
public final class CatalogException extends RuntimeException {
    private final transient List<Problem> problems;

    public CatalogException(String source, List<Problem> problems) {
        super(source + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + ", the first: "
                + problems.get(0).located(), null, false, false);
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
