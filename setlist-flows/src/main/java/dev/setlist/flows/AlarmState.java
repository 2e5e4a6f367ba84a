package dev.setlist.flows;

/** The state of an alarm or burn-rate alert, as in Amazon CloudWatch. */
public enum AlarmState {
    OK, ALARM, INSUFFICIENT_DATA
}
