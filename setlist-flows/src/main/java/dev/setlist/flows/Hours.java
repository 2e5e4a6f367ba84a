package dev.setlist.flows;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Set;

/**
 * Named hours during which a flow's targets hold, such as business hours
 * ({@code MON-FRI 09:00-17:00 America/New_York}). {@code to} is exclusive; {@code null} means the
 * end of the day (written {@code "24:00"}). When {@code from} is after {@code to} the hours run
 * past midnight and {@code days} names the day they start on.
 */
public record Hours(String name, Set<DayOfWeek> days, LocalTime from, LocalTime to, ZoneId zone) {
    public static final String ALWAYS_NAME = "24x7";
    /** The built-in hours {@code 24x7}: every minute counts. */
    public static final Hours ALWAYS = new Hours(ALWAYS_NAME, EnumSet.allOf(DayOfWeek.class), LocalTime.MIDNIGHT, null,
            ZoneOffset.UTC);

    public Hours {
        days = Set.copyOf(days);
    }

    /** Whether {@code instant} falls within these hours. */
    public boolean contains(Instant instant) {
        if (this == ALWAYS || days.size() == 7 && from.equals(LocalTime.MIDNIGHT) && to == null) {
            return true;
        }
        ZonedDateTime at = instant.atZone(zone);
        LocalTime t = at.toLocalTime();
        DayOfWeek day = at.getDayOfWeek();
        if (to == null || from.isBefore(to)) {
            return days.contains(day) && !t.isBefore(from) && (to == null || t.isBefore(to));
        }
        return days.contains(day) && !t.isBefore(from) || days.contains(day.minus(1)) && t.isBefore(to);
    }

    /** {@code MON-FRI 09:00-17:00 America/New_York}, or {@code 24x7}. */
    public String describe() {
        if (this == ALWAYS) {
            return ALWAYS_NAME;
        }
        StringBuilder d = new StringBuilder();
        DayOfWeek[] all = DayOfWeek.values();
        int i = 0;
        while (i < 7) {
            if (!days.contains(all[i])) {
                i++;
                continue;
            }
            int j = i;
            while (j + 1 < 7 && days.contains(all[j + 1])) {
                j++;
            }
            if (!d.isEmpty()) {
                d.append(',');
            }
            d.append(abbreviation(all[i]));
            if (j > i) {
                d.append('-').append(abbreviation(all[j]));
            }
            i = j + 1;
        }
        return d + " " + from + "-" + (to == null ? "24:00" : to.toString()) + " " + zone.getId();
    }

    static String abbreviation(DayOfWeek day) {
        return day.name().substring(0, 3);
    }
}
