package dev.setlist.flows.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.setlist.flows.AlarmState;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Composite alarm rules, evaluated with a = ALARM, o = OK and i = INSUFFICIENT_DATA. */
class RuleExpressionTest {
    static final Map<String, AlarmState> STATES = Map.of("a", AlarmState.ALARM, "o", AlarmState.OK, "i",
            AlarmState.INSUFFICIENT_DATA, "my alarm", AlarmState.ALARM);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ALARM(a)                                  | true
            ALARM(o)                                  | false
            OK(o)                                     | true
            INSUFFICIENT_DATA(i)                      | true
            INSUFFICIENT_DATA(a)                      | false
            ALARM("my alarm")                         | true
            ALARM('a') AND OK(o)                      | true
            ALARM(a) AND ALARM(o)                     | false
            ALARM(o) OR ALARM(a)                      | true
            NOT ALARM(a)                              | false
            NOT NOT ALARM(a)                          | true
            ALARM(o) OR ALARM(a) AND ALARM(o)         | false
            (ALARM(o) OR ALARM(a)) AND ALARM(a)       | true
            ALARM(a) AND NOT (OK(o) AND ALARM(i))     | true
            TRUE                                      | true
            FALSE OR  ( TRUE AND NOT FALSE )          | true
            ALARM(unknown)                            | false
            """)
    void evaluate_rule_givesTheTruthOfTheExpression(String rule, boolean expected) {
        assertThat(RuleExpression.parse(rule).evaluate(n -> STATES.getOrDefault(n, AlarmState.INSUFFICIENT_DATA)))
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ALARM(a) AND                 | expected ALARM(…), OK(…), INSUFFICIENT_DATA(…), TRUE, FALSE, NOT or "(" but the rule ended at character 13
            ALARM(a) XOR OK(b)           | unexpected "X" at character 10
            ALERT(a)                     | unknown function "ALERT" (expected ALARM, OK, INSUFFICIENT_DATA, TRUE or FALSE) at character 1
            ALARM()                      | expected an alarm name at character 7
            ALARM("a)                    | unclosed quote at character 8
            (ALARM(a)                    | expected ")" at character 10
            ALARM a                      | expected "(" at character 7
            """)
    void parse_badRule_namesTheCharacter(String rule, String message) {
        assertThatThrownBy(() -> RuleExpression.parse(rule)).isInstanceOf(RuleExpression.SyntaxException.class)
                .hasMessage(message);
    }

    @org.junit.jupiter.api.Test
    void names_listsEveryAlarmOnce_inOrder() {
        assertThat(RuleExpression.parse("ALARM(b) OR OK(a) AND NOT ALARM(b)").names()).containsExactly("b", "a");
    }
}
