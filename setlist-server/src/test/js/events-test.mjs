// Drives a Setlist server's EventBridge API with the AWS SDK for JavaScript v3, as
// SdkEventsTest starts it: a rule on TicketsPurchased with an InputTransformer target starts a
// state machine. Prints one JSON line of what it saw; exits 1 with the reason on the first surprise.
import {
  EventBridgeClient, PutRuleCommand, PutTargetsCommand, PutEventsCommand, ListRulesCommand, TestEventPatternCommand,
  DescribeRuleCommand, ListTargetsByRuleCommand, ListRuleNamesByTargetCommand, TagResourceCommand,
  ListTagsForResourceCommand, UntagResourceCommand, PutPermissionCommand, CreateEventBusCommand, DescribeEventBusCommand,
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

// An InputTransformer with placeholders inside longer strings, through a second state machine.
const sm2 = await sfn.send(new CreateStateMachineCommand({ name: "sdk-on-strings", definition: echo,
  roleArn: "arn:aws:iam::000000000000:role/sdk" }));
await events.send(new PutRuleCommand({ Name: "sdk-strings", EventPattern: JSON.stringify({ source: ["relecloud.strings"] }) }));
await events.send(new PutTargetsCommand({ Rule: "sdk-strings", Targets: [{ Id: "s", Arn: sm2.stateMachineArn,
  RoleArn: "arn:aws:iam::000000000000:role/sdk",
  DeadLetterConfig: { Arn: "arn:aws:sqs:us-east-1:000000000000:sdk-dlq" },
  InputTransformer: { InputPathsMap: { concert: "$.detail.concertId", n: "$.detail.n" },
    InputTemplate: '{"text": "concert <concert> has <n> seats", "n": <n>, "concert": <concert>}' } }] }));
await events.send(new PutEventsCommand({ Entries: [{ Source: "relecloud.strings", DetailType: "Seats",
  Detail: JSON.stringify({ concertId: "c-7", n: 3 }) }] }));
let execution2;
for (let i = 0; i < 400 && !execution2; i++) {
  execution2 = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: sm2.stateMachineArn }))).executions[0];
  if (!execution2) await new Promise((r) => setTimeout(r, 25));
}
if (!execution2) fail("no execution was started by the strings rule");
let done2;
for (let i = 0; i < 400; i++) {
  done2 = await sfn.send(new DescribeExecutionCommand({ executionArn: execution2.executionArn }));
  if (done2.status !== "RUNNING") break;
  await new Promise((r) => setTimeout(r, 25));
}
seen.stringsOutput = done2.output;
const listed = (await events.send(new ListTargetsByRuleCommand({ Rule: "sdk-strings" }))).Targets[0];
seen.roleArn = listed.RoleArn;
seen.deadLetterArn = listed.DeadLetterConfig?.Arn;

// Paging by hand with Limit and NextToken.
for (let i = 0; i < 5; i++) {
  await events.send(new PutRuleCommand({ Name: "sdk-page-" + i, EventPattern: JSON.stringify({ source: ["paging"] }) }));
  await events.send(new PutTargetsCommand({ Rule: "sdk-page-" + i, Targets: [{ Id: "t", Arn: sm2.stateMachineArn }] }));
}
const paged = [];
let token;
let pages = 0;
do {
  const page = await events.send(new ListRulesCommand({ NamePrefix: "sdk-page-", Limit: 2, NextToken: token }));
  paged.push(...page.Rules.map((r) => r.Name));
  token = page.NextToken;
  pages++;
} while (token);
seen.pagedRules = paged;
seen.pages = pages;
seen.rulesByTarget = (await events.send(new ListRuleNamesByTargetCommand({ TargetArn: sm2.stateMachineArn }))).RuleNames;

// Tags on a bus created with them, and on a rule.
const busArn = (await events.send(new CreateEventBusCommand({ Name: "sdk-bus", Description: "for tags",
  Tags: [{ Key: "team", Value: "sales" }] }))).EventBusArn;
await events.send(new TagResourceCommand({ ResourceARN: busArn, Tags: [{ Key: "env", Value: "test" }] }));
await events.send(new UntagResourceCommand({ ResourceARN: busArn, TagKeys: ["team"] }));
seen.busTags = (await events.send(new ListTagsForResourceCommand({ ResourceARN: busArn }))).Tags;
const bus = await events.send(new DescribeEventBusCommand({ Name: "sdk-bus" }));
seen.busDescription = bus.Description;
seen.busCreationIsDate = bus.CreationTime instanceof Date;
try {
  await events.send(new PutPermissionCommand({ Action: "events:PutEvents", Principal: "111111111111", StatementId: "s" }));
  fail("PutPermission was accepted");
} catch (e) {
  seen.permission = e.name;
}
try {
  await events.send(new ListTagsForResourceCommand({ ResourceARN: "arn:aws:events:us-east-1:000000000000:rule/none" }));
  fail("tags of a missing rule were listed");
} catch (e) {
  seen.missingTags = e.name;
}
console.log(JSON.stringify(seen));
