package dev.setlist.asl.internal.validate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.setlist.asl.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Definitions using intrinsic function calls and JSONata expressions. The "valid" cases need the
 * real intrinsic and JSONata parsers; the "invalid" ones check only where problems are placed.
 */
class ValidatorExpressionsTest {

    private static List<String> locations(String json) {
        return Validator.check(json).stream().map(Problem::location).toList();
    }

    @Test
    void check_intrinsicCallsInPayloadTemplates_areValid() {
        String def = """
                {"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{
                  "greeting.$":"States.Format('Hello, {}', $.name)",
                  "id.$":"States.UUID()",
                  "parts.$":"States.StringSplit($.csv, ',')"},
                  "Assign":{"n.$":"States.MathAdd($.n, 1)"},
                  "End":true}}}""";
        assertThat(Validator.check(def)).isEmpty();
    }

    @Test
    void check_intrinsicInFailPaths_isValid() {
        String def = """
                {"StartAt":"A","States":{"A":{"Type":"Fail",
                  "ErrorPath":"States.Format('{}Error', $.kind)","CausePath":"$.cause"}}}""";
        assertThat(Validator.check(def)).isEmpty();
    }

    @Test
    void check_malformedIntrinsic_reportsAtTheField() {
        String def = """
                {"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x":{"y.$":"States.Format('{}', $.a"}},"End":true}}}""";
        assertThat(locations(def)).containsExactly("/States/A/Parameters/x/y.$");
    }

    @Test
    void check_jsonataExpressionsEverywhere_areValid() {
        String def = """
                {"QueryLanguage":"JSONata","StartAt":"T","States":{
                  "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                       "Arguments":{"FunctionName":"f","Payload":"{% $states.input %}"},
                       "TimeoutSeconds":"{% $states.input.timeout %}",
                       "Output":"{% $states.result.Payload %}",
                       "Assign":{"total":"{% $states.result.Payload.total %}"},
                       "Catch":[{"ErrorEquals":["States.ALL"],"Next":"F","Output":"{% $states.errorOutput %}"}],
                       "Next":"W"},
                  "W":{"Type":"Wait","Seconds":"{% $states.input.delay %}","Next":"C"},
                  "C":{"Type":"Choice","Choices":[{"Condition":"{% $total > 10 %}","Next":"M"}],"Default":"S"},
                  "M":{"Type":"Map","Items":"{% $states.input.items %}",
                       "ItemSelector":{"value":"{% $states.context.Map.Item.Value %}"},
                       "MaxConcurrency":"{% 2 %}",
                       "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"Next":"S"},
                  "S":{"Type":"Succeed","Output":{"sum":"{% $total %}"}},
                  "F":{"Type":"Fail","Error":"{% 'Failed' %}","Cause":"{% $string($states.input) %}"}}}""";
        assertThat(Validator.check(def)).isEmpty();
    }

    @Test
    void check_malformedJsonata_reportsAtEachExpression() {
        String def = """
                {"QueryLanguage":"JSONata","StartAt":"A","States":{
                  "A":{"Type":"Pass","Output":{"a":"{% $states.input. %}","b":["ok","{% ( %}"]},"Next":"C"},
                  "C":{"Type":"Choice","Choices":[{"Condition":"{% $x = %}","Next":"D"}],"Default":"D"},
                  "D":{"Type":"Succeed"}}}""";
        assertThat(locations(def)).containsExactly("/States/A/Output/a", "/States/A/Output/b/1",
                "/States/C/Choices/0/Condition");
    }

    @Test
    void check_jsonataStringsInJsonPathState_areLiterals() {
        String def = """
                {"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"a":"{% ( %}"},"End":true}}}""";
        assertThat(Validator.check(def)).isEmpty();
    }
}
