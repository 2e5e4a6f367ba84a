package dev.setlist.events.internal;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.setlist.events.EventsException;
import dev.setlist.events.EventsException.Code;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * EventBridge schedule expressions: {@code rate(5 minutes)} and {@code cron(0 12 * * ? *)} (six
 * fields: minutes, hours, day of month, month, day of week, year; UTC).
 */
public final class Schedules {
    private static final Pattern RATE = Pattern.compile("rate\\((\\d+) (minute|minutes|hour|hours|day|days)\\)");
    private static final Pattern CRON = Pattern.compile("cron\\((.+)\\)");
    private static final CronParser QUARTZ = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

    private Schedules() {}

    /** A parsed expression: the next instant strictly after a given one. */
    public interface Schedule {
        Instant next(Instant after);
    }

    public static Schedule parse(String expression) {
        Matcher rate = RATE.matcher(expression.trim());
        if (rate.matches()) {
            long n = Long.parseLong(rate.group(1));
            String unit = rate.group(2);
            if (n <= 0) {
                throw invalid(expression, "the rate must be a positive number");
            }
            if (n == 1 && unit.endsWith("s") || n > 1 && !unit.endsWith("s")) {
                throw invalid(expression, "use '1 " + unit.replaceAll("s$", "") + "' or 'N " + unit.replaceAll("s?$", "s") + "'");
            }
            long seconds = n * (unit.startsWith("minute") ? 60 : unit.startsWith("hour") ? 3600 : 86_400);
            return after -> after.plusSeconds(seconds);
        }
        Matcher cron = CRON.matcher(expression.trim());
        if (cron.matches()) {
            String[] fields = cron.group(1).trim().split("\\s+");
            if (fields.length != 6) {
                throw invalid(expression, "a cron expression has six fields (minutes hours day-of-month month"
                        + " day-of-week year), found " + fields.length);
            }
            if (!fields[2].equals("?") && !fields[4].equals("?")) {
                throw invalid(expression, "one of day-of-month and day-of-week must be '?'");
            }
            Cron parsed;
            try {
                parsed = QUARTZ.parse("0 " + cron.group(1).trim());
                parsed.validate();
            } catch (IllegalArgumentException e) {
                throw invalid(expression, e.getMessage());
            }
            ExecutionTime times = ExecutionTime.forCron(parsed);
            return after -> times.nextExecution(ZonedDateTime.ofInstant(after, ZoneOffset.UTC))
                    .map(ZonedDateTime::toInstant).orElse(null);
        }
        throw invalid(expression, "use rate(N unit) or cron(minutes hours day-of-month month day-of-week year)");
    }

    private static EventsException invalid(String expression, String why) {
        return new EventsException(Code.ValidationException, "Parameter ScheduleExpression is not valid: '" + expression
                + "': " + why);
    }
}
