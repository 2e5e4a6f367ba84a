package dev.setlist.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A Task {@code Resource} answered by an HTTP endpoint instead of a Java handler: the server POSTs
 * the task's input as JSON to {@code url} and takes the JSON answer as the result.
 *
 * @param resource what the Task names: a Lambda function (its name, {@code name:qualifier} or its
 *                 ARN, matched by the {@code arn:aws:lambda:…:function:…} resource and by
 *                 {@code arn:aws:states:::lambda:invoke}'s {@code FunctionName}), any other ARN,
 *                 or a prefix of either ending with {@code *}
 * @param url      an absolute {@code http://} or {@code https://} URL
 * @param timeout  how long one call may take (a Task's own {@code TimeoutSeconds} may shorten it)
 */
public record TaskEndpoint(String resource, URI url, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final Set<String> KEYS = Set.of("resource", "url", "timeoutSeconds");
    private static final Pattern FUNCTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?");
    private static final Pattern FUNCTION_ARN = Pattern.compile(
            "arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\\d+:\\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?");

    /** A checked mapping; {@code where} names the source in the error ({@code setlist.yaml: endpoints[0]}). */
    public static TaskEndpoint of(String where, String resource, String url, Duration timeout) {
        return new TaskEndpoint(checkResource(where, resource), checkUrl(where, url), timeout == null ? DEFAULT_TIMEOUT : timeout);
    }

    /** Whether {@link #resource} is a prefix (it ends with {@code *}). */
    public boolean prefix() {
        return resource.endsWith("*");
    }

    /** The resource without its trailing {@code *}. */
    public String stem() {
        return prefix() ? resource.substring(0, resource.length() - 1) : resource;
    }

    /** Whether {@link #resource} names a Lambda function by name ({@code charge}, {@code charge:prod}). */
    public boolean functionName() {
        return !prefix() && FUNCTION_NAME.matcher(resource).matches();
    }

    /**
     * {@code RESOURCE=URL}, as an environment variable or a flag gives it. Several are separated by
     * commas in {@code SETLIST_ENDPOINTS}.
     */
    public static TaskEndpoint parse(String where, String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new IllegalArgumentException(where + ": expected RESOURCE=URL, was '" + spec + "'");
        }
        return of(where, spec.substring(0, eq).trim(), spec.substring(eq + 1).trim(), null);
    }

    /** {@code RES=URL,RES=URL}; blank for none. */
    public static List<TaskEndpoint> parseList(String where, String specs) {
        List<TaskEndpoint> out = new ArrayList<>();
        int i = 0;
        for (String spec : specs.split(",")) {
            if (!spec.isBlank()) {
                out.add(parse(where + " (entry " + i + ")", spec.trim()));
            }
            i++;
        }
        return merge(List.of(), out, where);
    }

    /** The {@code endpoints} list of a YAML configuration, each entry checked. */
    static List<TaskEndpoint> fromYaml(String where, JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException(where + " must be a list of {resource, url, timeoutSeconds}, was " + node);
        }
        List<TaskEndpoint> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String at = where + "[" + i + "]";
            JsonNode e = node.get(i);
            if (!e.isObject()) {
                throw new IllegalArgumentException(at + " must be a mapping {resource, url, timeoutSeconds}, was " + e);
            }
            Set<String> unknown = new TreeSet<>();
            for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!KEYS.contains(k)) {
                    unknown.add(k);
                }
            }
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException(at + ": unknown keys " + unknown + " (known: " + new TreeSet<>(KEYS) + ")");
            }
            Duration timeout = null;
            JsonNode t = e.get("timeoutSeconds");
            if (t != null && !t.isNull()) {
                if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() <= 0) {
                    throw new IllegalArgumentException(at + ".timeoutSeconds must be an integer > 0, was " + t);
                }
                timeout = Duration.ofSeconds(t.intValue());
            }
            out.add(of(at, text(e.get("resource"), at + ".resource"), text(e.get("url"), at + ".url"), timeout));
        }
        return merge(List.of(), out, where);
    }

    /**
     * {@code lower} with {@code higher}'s mappings added, a mapping of the same resource replacing the
     * lower one. Within one source a resource may be mapped once.
     */
    static List<TaskEndpoint> merge(List<TaskEndpoint> lower, List<TaskEndpoint> higher, String where) {
        Map<String, TaskEndpoint> seen = new LinkedHashMap<>();
        for (TaskEndpoint e : higher) {
            if (seen.put(e.resource(), e) != null) {
                throw new IllegalArgumentException(where + ": the resource '" + e.resource() + "' is mapped twice");
            }
        }
        Map<String, TaskEndpoint> out = new LinkedHashMap<>();
        lower.forEach(e -> out.put(e.resource(), e));
        out.putAll(seen);
        return List.copyOf(out.values());
    }

    private static String text(JsonNode n, String where) {
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException(where + " is required");
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(where + " must be text, was " + n);
        }
        return n.textValue();
    }

    private static String checkResource(String where, String resource) {
        if (resource == null || resource.isBlank()) {
            throw new IllegalArgumentException(where + ": the resource is empty");
        }
        if (!resource.equals(resource.strip()) || resource.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(where + ": the resource '" + resource + "' contains white space");
        }
        int star = resource.indexOf('*');
        if (star >= 0 && star != resource.length() - 1) {
            throw new IllegalArgumentException(where + ": the resource '" + resource
                    + "' may have a * only at its end (a prefix)");
        }
        if (resource.equals("*")) {
            return resource;
        }
        String stem = star >= 0 ? resource.substring(0, star) : resource;
        if (!stem.startsWith("arn:")) {
            if (star < 0 && !FUNCTION_NAME.matcher(resource).matches()) {
                throw new IllegalArgumentException(where + ": the resource '" + resource + "' is neither an ARN nor a"
                        + " Lambda function name (letters, digits, - and _, at most 64, with an optional :qualifier)");
            }
            if (star >= 0 && !stem.matches("[A-Za-z0-9_-]*")) {
                throw new IllegalArgumentException(where + ": the prefix '" + resource + "' is neither an ARN's nor a"
                        + " function name's");
            }
        } else if (star < 0 && resource.matches("arn:aws[a-z-]*:lambda:.*") && !FUNCTION_ARN.matcher(resource).matches()) {
            throw new IllegalArgumentException(where + ": the resource '" + resource + "' is not a Lambda function ARN"
                    + " (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])");
        }
        return resource;
    }

    private static URI checkUrl(String where, String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(where + ": the URL is empty");
        }
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(where + ": '" + url + "' is not a URL: " + e.getReason()
                    + " at index " + e.getIndex());
        }
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
            throw new IllegalArgumentException(where + ": the URL '" + url + "' must start with http:// or https://");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException(where + ": the URL '" + url + "' has no host");
        }
        if (u.getRawUserInfo() != null) {
            throw new IllegalArgumentException(where + ": the URL '" + u.getScheme() + "://…@" + u.getHost()
                    + "' carries credentials; they do not belong in the configuration");
        }
        if (u.getRawFragment() != null) {
            throw new IllegalArgumentException(where + ": the URL '" + url + "' has a #fragment");
        }
        return u;
    }
}
