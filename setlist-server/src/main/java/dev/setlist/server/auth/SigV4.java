package dev.setlist.server.auth;

import dev.setlist.server.http.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies AWS Signature Version 4 ({@code Authorization: AWS4-HMAC-SHA256 Credential=…,
 * SignedHeaders=…, Signature=…}) as the AWS services do, so that the AWS CLI and SDKs sign for
 * real: the canonical request is rebuilt from what arrived, the signing key is derived from the
 * key's secret, the date must be within 15 minutes of the server's clock, and the credential's
 * scope must name this region and one of the accepted services. Failures are the errors AWS
 * answers with ({@code IncompleteSignatureException}, {@code InvalidSignatureException},
 * {@code UnrecognizedClientException}). Thread safe.
 */
public final class SigV4 {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Duration MAX_SKEW = Duration.ofMinutes(15);
    private static final HexFormat HEX = HexFormat.of();

    /** What arrived, as the signature covers it. Header names are looked up case-insensitively. */
    public record Request(String method, String rawPath, String rawQuery, Function<String, List<String>> headers,
                          byte[] body) {
        String header(String name) {
            List<String> v = headers.apply(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    private final String region;
    private final Set<String> services;
    private final dev.setlist.asl.Clock clock;
    private final Map<String, byte[]> signingKeys = new ConcurrentHashMap<>();

    public SigV4(String region, Set<String> services, dev.setlist.asl.Clock clock) {
        this.region = region;
        this.services = services;
        this.clock = clock;
    }

    /** The parts of an Authorization header. */
    public record Authorization(String accessKeyId, String date, String region, String service, List<String> signedHeaders,
                                String signature) {}

    /** True when the request carries a SigV4 Authorization header (well formed or not). */
    public static boolean present(Request r) {
        String a = r.header("authorization");
        return a != null && a.startsWith("AWS4-");
    }

    /** Parses the Authorization header; refuses a malformed one with AWS's wording. */
    public static Authorization parse(String header) {
        if (!header.startsWith(ALGORITHM + " ")) {
            throw ApiException.unauthenticated("IncompleteSignatureException", "Unsupported signing algorithm in '"
                    + abbreviate(header) + "': only " + ALGORITHM + " is accepted");
        }
        String credential = null;
        String signedHeaders = null;
        String signature = null;
        int at = ALGORITHM.length() + 1;
        while (at < header.length()) {
            int comma = header.indexOf(',', at);
            int end = comma < 0 ? header.length() : comma;
            int eq = header.indexOf('=', at);
            if (eq > 0 && eq < end) {
                String name = header.substring(at, eq).trim();
                String value = header.substring(eq + 1, end).trim();
                switch (name) {
                    case "Credential" -> credential = value;
                    case "SignedHeaders" -> signedHeaders = value;
                    case "Signature" -> signature = value;
                    default -> { }
                }
            }
            at = end + 1;
        }
        String missing = credential == null ? "Credential" : signedHeaders == null ? "SignedHeaders"
                : signature == null ? "Signature" : null;
        if (missing != null) {
            throw ApiException.unauthenticated("IncompleteSignatureException", "Authorization header requires '" + missing
                    + "' parameter. Authorization=" + abbreviate(header));
        }
        String[] scope = credential.split("/");
        if (scope.length != 5 || !scope[4].equals("aws4_request") || scope[0].isEmpty()) {
            throw ApiException.unauthenticated("IncompleteSignatureException", "Credential must have the form"
                    + " <key id>/<yyyymmdd>/<region>/<service>/aws4_request, was '" + credential + "'");
        }
        List<String> signed = List.of(signedHeaders.toLowerCase(Locale.ROOT).split(";"));
        return new Authorization(scope[0], scope[1], scope[2], scope[3], signed, signature);
    }

    /**
     * Checks the request's signature with the secret of its key ({@code secretOf} answers null
     * for an unknown key) and returns the access key id.
     */
    public String verify(Request r, Function<String, String> secretOf) {
        String header = r.header("authorization");
        Authorization auth = parse(header);
        String amzDate = r.header("x-amz-date");
        if (amzDate == null) {
            throw ApiException.unauthenticated("IncompleteSignatureException", "Authorization header requires existence of"
                    + " either a 'X-Amz-Date' or a 'Date' header");
        }
        Instant at = parseAmzDate(amzDate);
        Instant now = clock.now();
        if (at.isBefore(now.minus(MAX_SKEW))) {
            throw ApiException.unauthenticated("InvalidSignatureException", "Signature expired: " + amzDate
                    + " is now earlier than " + AMZ_DATE.format(now.minus(MAX_SKEW)) + " (" + AMZ_DATE.format(now)
                    + " - 15 min.)");
        }
        if (at.isAfter(now.plus(MAX_SKEW))) {
            throw ApiException.unauthenticated("InvalidSignatureException", "Signature not yet current: " + amzDate
                    + " is still later than " + AMZ_DATE.format(now.plus(MAX_SKEW)) + " (" + AMZ_DATE.format(now)
                    + " + 15 min.)");
        }
        if (!auth.date().equals(amzDate.substring(0, 8))) {
            throw ApiException.unauthenticated("InvalidSignatureException", "Credential should be scoped to a valid date: the"
                    + " credential's date " + auth.date() + " is not the request's date " + amzDate.substring(0, 8));
        }
        if (!auth.region().equals(region)) {
            throw ApiException.unauthenticated("InvalidSignatureException", "Credential should be scoped to a valid region, not '"
                    + auth.region() + "'. This server's region is '" + region + "'");
        }
        if (!services.contains(auth.service())) {
            throw ApiException.unauthenticated("InvalidSignatureException", "Credential should be scoped to correct service: '"
                    + String.join("' or '", services) + "', not '" + auth.service() + "'");
        }
        if (!auth.signedHeaders().contains("host")) {
            throw ApiException.unauthenticated("InvalidSignatureException", "The 'Host' header must be signed");
        }
        String secret = secretOf.apply(auth.accessKeyId());
        if (secret == null) {
            throw ApiException.unauthenticated("UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        String payloadHash = sha256Hex(r.body());
        String claimed = r.header("x-amz-content-sha256");
        if (claimed != null && !claimed.equals("UNSIGNED-PAYLOAD") && !claimed.equals(payloadHash)) {
            throw ApiException.unauthenticated("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not"
                    + " match what was computed.");
        }
        String canonical = canonicalRequest(r, auth.signedHeaders(), claimed != null ? claimed : payloadHash);
        String scope = auth.date() + "/" + auth.region() + "/" + auth.service() + "/aws4_request";
        String toSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonical.getBytes(StandardCharsets.UTF_8));
        byte[] key = signingKeys.computeIfAbsent(auth.accessKeyId() + "/" + scope + "/" + secret.hashCode(),
                k -> signingKey(secret, auth.date(), auth.region(), auth.service()));
        if (signingKeys.size() > 10_000) {
            signingKeys.clear();
        }
        byte[] expected = hmac(key, toSign);
        byte[] given;
        try {
            given = HEX.parseHex(auth.signature());
        } catch (IllegalArgumentException e) {
            given = new byte[0];
        }
        if (!MessageDigest.isEqual(expected, given)) {
            throw ApiException.unauthenticated("InvalidSignatureException", "The request signature we calculated does not match"
                    + " the signature you provided. Check your AWS Secret Access Key and signing method. Consult the"
                    + " service documentation for details.");
        }
        return auth.accessKeyId();
    }

    /** {@code yyyyMMdd'T'HHmmss'Z'}, read without a formatter (this runs on every request). */
    static Instant parseAmzDate(String s) {
        try {
            if (s.length() == 16 && s.charAt(8) == 'T' && s.charAt(15) == 'Z') {
                return java.time.LocalDateTime.of(digits(s, 0, 4), digits(s, 4, 2), digits(s, 6, 2), digits(s, 9, 2),
                        digits(s, 11, 2), digits(s, 13, 2)).toInstant(ZoneOffset.UTC);
            }
        } catch (java.time.DateTimeException | NumberFormatException e) {
            // reported below
        }
        throw ApiException.unauthenticated("IncompleteSignatureException", "X-Amz-Date must have the form"
                + " yyyyMMddTHHmmssZ, was '" + s + "'");
    }

    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new NumberFormatException(s);
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Signs a request as a client would (tests and the benchmark use it); returns the headers to add. */
    public static Map<String, String> sign(String method, String host, String path, byte[] body, Map<String, String> headers,
                                           String accessKeyId, String secret, String region, String service, Instant at) {
        String amzDate = AMZ_DATE.format(at);
        Map<String, String> all = new TreeMap<>();
        headers.forEach((k, v) -> all.put(k.toLowerCase(Locale.ROOT), v));
        all.put("host", host);
        all.put("x-amz-date", amzDate);
        List<String> signed = new ArrayList<>(all.keySet());
        Request r = new Request(method, path, null, n -> all.containsKey(n) ? List.of(all.get(n)) : null, body);
        String scope = amzDate.substring(0, 8) + "/" + region + "/" + service + "/aws4_request";
        String toSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + sha256Hex(canonicalRequest(r, signed, sha256Hex(body)).getBytes(StandardCharsets.UTF_8));
        String signature = HEX.formatHex(hmac(signingKey(secret, amzDate.substring(0, 8), region, service), toSign));
        Map<String, String> out = new TreeMap<>();
        out.put("X-Amz-Date", amzDate);
        out.put("Authorization", ALGORITHM + " Credential=" + accessKeyId + "/" + scope + ", SignedHeaders="
                + String.join(";", signed) + ", Signature=" + signature);
        return out;
    }

    static String canonicalRequest(Request r, List<String> signedHeaders, String payloadHash) {
        StringBuilder sb = new StringBuilder();
        sb.append(r.method()).append('\n');
        sb.append(r.rawPath() == null || r.rawPath().isEmpty() ? "/" : r.rawPath()).append('\n');
        sb.append(canonicalQuery(r.rawQuery())).append('\n');
        for (String h : signedHeaders) {
            List<String> values = r.headers().apply(h);
            sb.append(h).append(':');
            if (values != null) {
                for (int i = 0; i < values.size(); i++) {
                    sb.append(i == 0 ? "" : ",");
                    collapseSpaces(sb, values.get(i).trim());
                }
            }
            sb.append('\n');
        }
        sb.append('\n').append(String.join(";", signedHeaders)).append('\n').append(payloadHash);
        return sb.toString();
    }

    /** Appends the value with each run of spaces as one space (SigV4's canonical header value). */
    private static void collapseSpaces(StringBuilder sb, String value) {
        if (value.indexOf("  ") < 0) {
            sb.append(value);
            return;
        }
        char previous = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != ' ' || previous != ' ') {
                sb.append(c);
            }
            previous = c;
        }
    }

    private static String canonicalQuery(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String p : raw.split("&")) {
            int eq = p.indexOf('=');
            pairs.add(eq < 0 ? new String[] {p, ""} : new String[] {p.substring(0, eq), p.substring(eq + 1)});
        }
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder sb = new StringBuilder();
        for (String[] p : pairs) {
            sb.append(sb.isEmpty() ? "" : "&").append(p[0]).append('=').append(p[1]);
        }
        return sb.toString();
    }

    static byte[] signingKey(String secret, String date, String region, String service) {
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, region);
        k = hmac(k, service);
        return hmac(k, "aws4_request");
    }

    /*
     * Mac and MessageDigest instances are costly to look up and not thread safe; requests run on
     * fresh virtual threads, so a small pool (not a thread local) keeps them for reuse.
     */
    private static final java.util.concurrent.ConcurrentLinkedQueue<Mac> MACS = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final java.util.concurrent.ConcurrentLinkedQueue<MessageDigest> DIGESTS =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private static byte[] hmac(byte[] key, String data) {
        Mac mac = MACS.poll();
        try {
            if (mac == null) {
                mac = Mac.getInstance("HmacSHA256");
            }
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] out = mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
            if (MACS.size() < 256) {
                MACS.offer(mac);
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256Hex(byte[] data) {
        MessageDigest digest = DIGESTS.poll();
        try {
            if (digest == null) {
                digest = MessageDigest.getInstance("SHA-256");
            }
            String out = HEX.formatHex(digest.digest(data));
            if (DIGESTS.size() < 256) {
                DIGESTS.offer(digest);
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
