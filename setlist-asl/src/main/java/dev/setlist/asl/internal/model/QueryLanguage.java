package dev.setlist.asl.internal.model;

/** The two query languages a state can use. */
public enum QueryLanguage {
    JSONPATH, JSONATA;

    public static QueryLanguage of(String name, QueryLanguage fallback) {
        if (name == null) {
            return fallback;
        }
        return "JSONata".equals(name) ? JSONATA : JSONPATH;
    }
}
