package dev.setlist.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyTest {
    @Test
    void glob_starMatchesAnyRun() {
        assertThat(Policy.glob("states:Describe*", "states:DescribeExecution")).isTrue();
        assertThat(Policy.glob("states:Describe*", "states:ListExecutions")).isFalse();
        assertThat(Policy.glob("arn:aws:states:*:*:stateMachine:orders-*", "arn:aws:states:us-east-1:1:stateMachine:orders-x"))
                .isTrue();
        assertThat(Policy.glob("a.b", "aXb")).as("no regex meaning").isFalse();
    }

    @Test
    void allows_resourceScopedGrant_accountWideCallsNeedOnlyTheAction() {
        List<Policy.Grant> grants = List.of(new Policy.Grant("operator", "arn:*:stateMachine:a"));
        assertThat(Policy.allows(grants, "states:StartExecution", "arn:x:stateMachine:a")).isTrue();
        assertThat(Policy.allows(grants, "states:StartExecution", "arn:x:stateMachine:b")).isFalse();
        assertThat(Policy.allows(grants, "states:SendTaskSuccess", null)).isTrue();
        assertThat(Policy.allows(grants, "states:CreateStateMachine", "arn:x:stateMachine:a")).isFalse();
        assertThat(Policy.allows(List.of(new Policy.Grant("unknown", "*")), "states:ListStateMachines", null)).isFalse();
    }

    @Test
    void allowsExplicitly_onlyAPatternThatStartsWithTheName_namesIt() {
        String machine = "arn:aws:states:us-east-1:000000000000:stateMachine:purchase-ticket";
        for (String named : List.of(machine, "arn:aws:states:*:*:stateMachine:purchase-ticket",
                "arn:aws:states:*:*:stateMachine:purchase-*")) {
            assertThat(Policy.allowsExplicitly(List.of(new Policy.Grant("operator", named)), "states:StartExecution",
                    machine)).as(named).isTrue();
        }
        for (String broad : List.of("*", "arn:aws:states:*:*:stateMachine:*", "arn:aws:states:*:*:stateMachine:*-*",
                "arn:aws:states:*:*:stateMachine:*ticket", "arn:aws:states:*:*:*")) {
            assertThat(Policy.allowsExplicitly(List.of(new Policy.Grant("operator", broad)), "states:StartExecution",
                    machine)).as(broad).isFalse();
        }
        assertThat(Policy.allowsExplicitly(List.of(new Policy.Grant("viewer", machine)), "states:StartExecution", machine))
                .as("the role must still allow the action").isFalse();
    }

    @Test
    void define_addsWorkloadRoles_andExtendsBuiltInOnesWithoutTakingAnythingAway() {
        Policy.define("policy-test-role", java.util.List.of("shop:Buy*"));
        Policy.define(Policy.OPERATOR, java.util.List.of("shop:PullLever"));
        var operator = java.util.List.of(new Policy.Grant(Policy.OPERATOR, "*"));
        assertThat(Policy.allows(operator, "shop:PullLever", null)).isTrue();
        assertThat(Policy.allows(operator, "states:StopExecution", null)).isTrue();
        assertThat(Policy.allows(operator, "shop:BuyTickets", null)).isFalse();
        assertThat(Policy.allows(java.util.List.of(new Policy.Grant("policy-test-role", "*")), "shop:BuyTickets", null))
                .isTrue();
        Policy.define(Policy.OPERATOR, java.util.List.of("shop:PullLever"));
        assertThat(Policy.all().get(Policy.OPERATOR).stream().filter("shop:PullLever"::equals)).hasSize(1);
    }
}
