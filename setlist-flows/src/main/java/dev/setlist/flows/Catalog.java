package dev.setlist.flows;

import dev.setlist.flows.internal.CatalogReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A workload's flows as its {@code flows.yaml} describes them: the named hours the targets refer
 * to (always with the built-in {@code 24x7}) and every flow. Immutable; a catalog that loaded is
 * consistent (its references resolve), so nothing later fails for a reason validation could see.
 */
public record Catalog(String workload, Map<String, Hours> hours, List<Flow> flows) {
    public Catalog {
        hours = Map.copyOf(hours);
        flows = List.copyOf(flows);
    }

    /** Reads and validates {@code yaml}; throws with every problem when it is not valid. */
    public static Catalog parse(String yaml, Bindings bindings) {
        CatalogReader.Result r = CatalogReader.read(yaml, bindings);
        if (!r.problems().isEmpty()) {
            throw new CatalogException("flows.yaml", r.problems());
        }
        return r.catalog();
    }

    public static Catalog parse(String yaml) {
        return parse(yaml, Bindings.ANY);
    }

    /** Reads {@code file}; throws {@link CatalogException} naming the file when it is not valid. */
    public static Catalog load(Path file, Bindings bindings) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot be read", e);
        }
        CatalogReader.Result r = CatalogReader.read(text, bindings);
        if (!r.problems().isEmpty()) {
            throw new CatalogException(file.toString(), r.problems());
        }
        return r.catalog();
    }

    /**
     * Every problem of {@code yaml}, ordered by line and column; empty when it is valid. Bindings
     * are checked against {@code bindings} ({@link Bindings#ANY} checks their syntax only).
     */
    public static List<Problem> check(String yaml, Bindings bindings) {
        return CatalogReader.read(yaml, bindings).problems();
    }

    /** The flow with this id, or {@code null}. */
    public Flow flow(String id) {
        for (Flow f : flows) {
            if (f.id().equals(id)) {
                return f;
            }
        }
        return null;
    }

    /** The hours a flow's reliability target holds in. */
    public Hours hoursOf(Flow flow) {
        return hours.get(flow.targets().reliability().hours());
    }
}
