package dev.setlist.flows.guard;

import dev.setlist.flows.GuardSpec;
import java.time.Instant;

/**
 * The emergency levers of one flow as an operator set them: disabled (every request answers 503
 * naming the flow), forced into degraded mode, a rate replacing the catalog's (null: the
 * catalog's), a quota replacing the catalog's ({@code quotaOverridden} with a null quota removes
 * it), and who changed them last and when. Immutable.
 */
public record Levers(boolean disabled, boolean degraded, GuardPolicy.Rate rate, boolean quotaOverridden,
                     GuardSpec.Quota quota, String changedBy, Instant changedAt) {
    public static final Levers NONE = new Levers(false, false, null, false, null, null, null);
}
