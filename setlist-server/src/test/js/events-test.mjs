// Drives a Setlist server's EventBridge API with the AWS SDK for JavaScript v3, as
// SdkEventsTest starts it: a rule on TicketsPurchased with an InputTransformer target starts a
// state machine. Prints one JSON line of what it saw; exits 1 with the reason on the first surprise.
import {
  EventBridgeClient, PutRuleCommand, PutTargetsCommand, PutEventsCommand, ListRulesCommand, TestEventPatternCommand,
  DescribeRuleCommand,
} from "@aws-sdk/client-eventbridge";
import { SFNClient, CreateStateMachineCommand, ListExecutionsCommand, DescribeExecutionCommand } from "@aws-sdk/client-sfn";

const endpoint = process.env.SETLIST_ENDPOINT;
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY };
const events = new EventBridgeClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const sfn = new SFNClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const seen = {};

function fail(why) {
  console.error("events-test: " + why);
  process.exit(1);
}

const echo = JSON.stringify({ StartAt: "Echo", States: { Echo: { Type: "Pass", End: true } } });
const sm = await sfn.send(new CreateStateMachineCommand({ name: "sdk-on-purchase", definition: echo,
  roleArn: "arn:aws:iam::000000000000:role/sdk" }));
const rule = await events.send(new PutRuleCommand({ Name: "sdk-purchases",
  EventPattern: JSON.stringify({ source: ["relecloud.sales"], "detail-type": ["TicketsPurchased"] }) }));
seen.ruleArn = rule.RuleArn;
const targets = await events.send(new PutTargetsCommand({ Rule: "sdk-purchases", Targets: [{ Id: "render",
  Arn: sm.stateMachineArn, InputTransformer: { InputPathsMap: { concert: "$.detail.concertId" },
    InputTemplate: '{"concert": "<concert>", "via": "sdk"}' } }] }));
seen.failedTargets = targets.FailedEntryCount;
const put = await events.send(new PutEventsCommand({ Entries: [
  { Source: "relecloud.sales", DetailType: "TicketsPurchased", Detail: JSON.stringify({ concertId: "c-9" }) },
  { Source: "relecloud.sales", DetailType: "TicketsPurchased", Detail: "not json" }] }));
seen.failedEntries = put.FailedEntryCount;
seen.errorCode = put.Entries[1].ErrorCode;
seen.eventIdIsString = typeof put.Entries[0].EventId === "string";
let execution;
for (let i = 0; i < 400 && !execution; i++) {
  const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: sm.stateMachineArn }));
  execution = list.executions[0];
  if (!execution) await new Promise((r) => setTimeout(r, 25));
}
if (!execution) fail("no execution was started by the rule");
let done;
for (let i = 0; i < 400; i++) {
  done = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
  if (done.status !== "RUNNING") break;
  await new Promise((r) => setTimeout(r, 25));
}
seen.output = done.output;
seen.rules = (await events.send(new ListRulesCommand({ NamePrefix: "sdk-" }))).Rules.map((r) => r.Name);
seen.state = (await events.send(new DescribeRuleCommand({ Name: "sdk-purchases" }))).State;
const test = await events.send(new TestEventPatternCommand({ EventPattern: '{"detail": {"n": [{"numeric": [">", 1]}]}}',
  Event: JSON.stringify({ id: "1", account: "000000000000", source: "s", time: "2026-11-25T10:00:00Z",
    region: "us-east-1", "detail-type": "t", resources: [], detail: { n: 2 } }) }));
seen.testResult = test.Result;
try {
  await events.send(new PutRuleCommand({ Name: "bad", EventPattern: '{"source": "not-an-array"}' }));
  fail("an invalid pattern was accepted");
} catch (e) {
  seen.invalidPattern = e.name;
}
console.log(JSON.stringify(seen));
