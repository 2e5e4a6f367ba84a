package dev.setlist.asl.internal.validate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.asl.Problem;
import org.junit.jupiter.api.Test;

/** A few rules spelled out; the corpus in src/test/resources/validate covers each rule in full. */
class ValidatorTest {

    @Test
    void check_retryBackoffBelowOne_reportsLocationAndValue() {
        String def = """
                {"StartAt":"Pay","States":{"Pay":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:pay",
                  "Retry":[{"ErrorEquals":["States.ALL"],"BackoffRate":0.5}],"End":true}}}""";
        assertThat(Validator.check(def))
                .containsExactly(new Problem("/States/Pay/Retry/0/BackoffRate", "must be >= 1.0, was 0.5"));
    }

    @Test
    void check_nextToMisspelledState_namesTheMissingState() {
        String def = """
                {"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Reserv"},"Reserve":{"Type":"Succeed"}}}""";
        assertThat(Validator.check(def))
                .containsExactly(new Problem("/States/A/Next", "no state named \"Reserv\""));
    }

    @Test
    void check_problemsInSeveralStates_areInDocumentOrder() {
        String def = """
                {"StartAt":"A","States":{
                  "A":{"Type":"Pass","ResultPath":"x","Next":"B"},
                  "B":{"Type":"Choice","ResultSelector":{},"Choices":[{"Variable":"$.a","IsNull":"no","Next":"C"}]},
                  "C":{"Type":"Wait","End":true}},
                 "Foo":true}""";
        assertThat(Validator.check(def)).map(Problem::toString).containsExactly(
                "/States/A/ResultPath: a path must begin with '$', was 'x'",
                "/States/B/ResultSelector: field \"ResultSelector\" is not allowed in a Choice state",
                "/States/B/Choices/0/IsNull: must be a boolean, was \"no\"",
                "/States/C: must have exactly one of \"Seconds\", \"Timestamp\", \"SecondsPath\" or \"TimestampPath\"",
                "/Foo: field \"Foo\" is not allowed in a state machine");
    }

    @Test
    void check_parametersInJsonataState_suggestsArguments() {
        String def = """
                {"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                  "Parameters":{"x":1},"End":true}}}""";
        assertThat(Validator.check(def)).containsExactly(new Problem("/States/A/Parameters",
                "field \"Parameters\" is not allowed when QueryLanguage is JSONata (use \"Arguments\")"));
    }

    @Test
    void check_variableNameRules() {
        assertThat(Checker.badVariableName("ok_1")).isNull();
        assertThat(Checker.badVariableName("_x")).isNull();
        assertThat(Checker.badVariableName("états")).isNull();
        assertThat(Checker.badVariableName("states")).contains("reserved");
        assertThat(Checker.badVariableName("9a")).contains("not valid");
        assertThat(Checker.badVariableName("a".repeat(81))).contains("at most 80");
    }

    @Test
    void check_timestampRules() {
        assertThat(Checker.isTimestamp("2016-03-14T01:59:00Z")).isTrue();
        assertThat(Checker.isTimestamp("2016-03-14T01:59:00.5-07:00")).isTrue();
        assertThat(Checker.isTimestamp("2016-03-14 01:59:00Z")).isFalse();
        assertThat(Checker.isTimestamp("2016-03-14T01:59:00")).isFalse();
        assertThat(Checker.isTimestamp("2016-13-01T00:00:00Z")).isFalse();
    }
}
