package dev.setlist.relecloud.gateway;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Card number and expiry rules shared by the API (before it sends a card) and the gateway simulator. */
public final class Cards {
    private static final Pattern DIGITS = Pattern.compile("[0-9]{12,19}");
    private static final Pattern EXPIRY = Pattern.compile("(0[1-9]|1[0-2])/([0-9]{2}|[0-9]{4})");

    private Cards() {}

    /** 12 to 19 digits. */
    public static boolean wellFormed(String number) {
        return number != null && DIGITS.matcher(number).matches();
    }

    /** The Luhn checksum of a well-formed number holds. */
    public static boolean luhn(String number) {
        int sum = 0;
        boolean twice = false;
        for (int i = number.length() - 1; i >= 0; i--) {
            int d = number.charAt(i) - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    /** The brand by the number's prefix: visa, mastercard, amex, discover or unknown. */
    public static String brand(String number) {
        if (number.startsWith("4")) {
            return "visa";
        }
        int two = Integer.parseInt(number.substring(0, 2));
        int four = Integer.parseInt(number.substring(0, 4));
        if (two >= 51 && two <= 55 || four >= 2221 && four <= 2720) {
            return "mastercard";
        }
        if (two == 34 || two == 37) {
            return "amex";
        }
        if (number.startsWith("6011") || number.startsWith("65")) {
            return "discover";
        }
        return "unknown";
    }

    public static String last4(String number) {
        return number.substring(number.length() - 4);
    }

    /** The month of an expiry {@code MM/YY} or {@code MM/YYYY}, null when it is not one. */
    public static YearMonth expiry(String text) {
        Matcher m = text == null ? null : EXPIRY.matcher(text);
        if (m == null || !m.matches()) {
            return null;
        }
        int year = Integer.parseInt(m.group(2));
        return YearMonth.of(m.group(2).length() == 2 ? 2000 + year : year, Integer.parseInt(m.group(1)));
    }

    /** A card is good through the last instant of its expiry month (UTC). */
    public static boolean expired(YearMonth expiry, Instant now) {
        return !now.isBefore(expiry.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());
    }
}
