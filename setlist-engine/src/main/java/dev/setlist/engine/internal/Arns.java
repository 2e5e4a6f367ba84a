package dev.setlist.engine.internal;

import dev.setlist.engine.EngineException;
import dev.setlist.engine.EngineException.Code;
import java.util.regex.Pattern;

/** ARNs and names as Step Functions forms and checks them. */
public final class Arns {
    /** Names: 1–80 characters, none of whitespace, wildcards, brackets, specials or controls. */
    private static final Pattern FORBIDDEN = Pattern.compile("[\\s?*<>{}\\[\\]\"#%\\\\^|~`$&,;:/\\x00-\\x1f\\x7f-\\x9f]");

    private final String region;
    private final String account;

    public Arns(String region, String account) {
        this.region = region;
        this.account = account;
    }

    public String region() {
        return region;
    }

    public String account() {
        return account;
    }

    public static void checkName(String kind, String name) {
        if (name == null || name.isEmpty()) {
            throw new EngineException(Code.InvalidName, kind + " name must not be empty");
        }
        if (name.length() > 80) {
            throw new EngineException(Code.InvalidName, kind + " name must be at most 80 characters, was "
                    + name.length());
        }
        var m = FORBIDDEN.matcher(name);
        if (m.find()) {
            throw new EngineException(Code.InvalidName, "Invalid Name: '" + name + "' (" + kind
                    + " names must not contain '" + printable(m.group()) + "')");
        }
    }

    private static String printable(String c) {
        char ch = c.charAt(0);
        return ch < 0x20 || (ch >= 0x7f && ch <= 0x9f) || Character.isWhitespace(ch)
                ? String.format("\\u%04x", (int) ch) : c;
    }

    public String stateMachine(String name) {
        return "arn:aws:states:" + region + ":" + account + ":stateMachine:" + name;
    }

    public String activity(String name) {
        return "arn:aws:states:" + region + ":" + account + ":activity:" + name;
    }

    /** True for an activity ARN of this region and account (a Task state's Resource). */
    public boolean isActivity(String resource) {
        return resource.startsWith("arn:aws:states:" + region + ":" + account + ":activity:");
    }

    public String execution(String stateMachineName, String name, boolean express) {
        return "arn:aws:states:" + region + ":" + account + ":" + (express ? "express:" : "execution:")
                + stateMachineName + ":" + name;
    }

    public String mapRun(String stateMachineName, String label, String id) {
        return "arn:aws:states:" + region + ":" + account + ":mapRun:" + stateMachineName + "/" + label + ":" + id;
    }

    /** The name part of a state machine ARN (without a version or alias qualifier), checked. */
    public String stateMachineName(String arn) {
        String[] parts = parts(arn, "stateMachine", 7, 8);
        return parts[6];
    }

    public String activityName(String arn) {
        return parts(arn, "activity", 7, 7)[6];
    }

    /** Checks an execution ARN and returns {state machine name, execution name}. */
    public String[] executionParts(String arn) {
        String[] p = parts(arn, null, 8, 8);
        if (!p[5].equals("execution") && !p[5].equals("express")) {
            throw invalid(arn, "execution");
        }
        return new String[] {p[6], p[7]};
    }

    private String[] parts(String arn, String type, int min, int max) {
        if (arn == null || arn.isEmpty()) {
            throw new EngineException(Code.InvalidArn, "Invalid Arn: the ARN is missing");
        }
        String[] p = arn.split(":", -1);
        if (p.length < min || p.length > max || !p[0].equals("arn") || !p[2].equals("states")
                || (type != null && !p[5].equals(type))) {
            throw invalid(arn, type == null ? "execution" : type);
        }
        for (int i = 6; i < p.length; i++) {
            if (p[i].isEmpty()) {
                throw invalid(arn, type);
            }
        }
        if (!p[3].equals(region) || !p[4].equals(account)) {
            throw new EngineException(Code.InvalidArn, "Invalid Arn: '" + arn + "' is not in region " + region
                    + " and account " + account);
        }
        return p;
    }

    private static EngineException invalid(String arn, String type) {
        return new EngineException(Code.InvalidArn, "Invalid Arn: '" + arn + "' is not a" + ("activity".equals(type)
                || "execution".equals(type) ? "n " : " ") + type + " ARN");
    }
}
