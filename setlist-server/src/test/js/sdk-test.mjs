// Drives a Setlist server with the AWS SDK for JavaScript v3, as SdkClientTest starts it:
// SETLIST_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY come from the test. Prints one
// JSON line of what it saw; exits 1 with the reason on the first surprise.
import {
  SFNClient, CreateStateMachineCommand, StartExecutionCommand, DescribeExecutionCommand,
  GetExecutionHistoryCommand, StartSyncExecutionCommand, SendTaskSuccessCommand, ListStateMachinesCommand,
  ListExecutionsCommand, TestStateCommand,
} from "@aws-sdk/client-sfn";

const endpoint = process.env.SETLIST_ENDPOINT;
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY };
// StartSyncExecution and TestState have the host prefix "sync-"; a local endpoint has no such host.
const sfn = new SFNClient({ endpoint, region: "us-east-1", credentials, disableHostPrefix: true, maxAttempts: 1 });
const role = "arn:aws:iam::000000000000:role/sdk";
const seen = {};

function fail(why) {
  console.error("sdk-test: " + why);
  process.exit(1);
}

async function awaitEnd(executionArn) {
  for (let i = 0; i < 400; i++) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== "RUNNING") return d;
    await new Promise((r) => setTimeout(r, 25));
  }
  fail("execution did not end: " + executionArn);
}

const pass = JSON.stringify({ StartAt: "A", States: {
  A: { Type: "Pass", Next: "B" }, B: { Type: "Pass", Result: { b: 1 }, ResultPath: "$.b", End: true } } });
const callback = JSON.stringify({ StartAt: "Send", States: { Send: { Type: "Task",
  Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
  Parameters: { QueueUrl: "q", MessageBody: { "token.$": "$$.Task.Token" } }, End: true } } });

const std = await sfn.send(new CreateStateMachineCommand({ name: "sdk-pass", definition: pass, roleArn: role }));
if (!(std.creationDate instanceof Date)) fail("creationDate is not a Date: " + std.creationDate);
const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: std.stateMachineArn, name: "sdk-1", input: '{"n":1}' }));
const done = await awaitEnd(started.executionArn);
seen.standard = { status: done.status, output: done.output, stopDateIsDate: done.stopDate instanceof Date };
const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));
seen.history = history.events.map((e) => e.type);
seen.firstEventInput = history.events[0].executionStartedEventDetails.input;

const express = await sfn.send(new CreateStateMachineCommand({ name: "sdk-express", definition: pass, roleArn: role, type: "EXPRESS" }));
const sync = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: express.stateMachineArn, input: '{"s":2}' }));
seen.sync = { status: sync.status, output: sync.output };

const cb = await sfn.send(new CreateStateMachineCommand({ name: "sdk-callback", definition: callback, roleArn: role }));
const waiting = await sfn.send(new StartExecutionCommand({ stateMachineArn: cb.stateMachineArn }));
let token;
for (let i = 0; i < 400 && !token; i++) {
  const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn: waiting.executionArn }));
  const scheduled = h.events.find((e) => e.type === "TaskScheduled");
  if (scheduled) token = JSON.parse(scheduled.taskScheduledEventDetails.parameters).MessageBody.token;
  else await new Promise((r) => setTimeout(r, 25));
}
if (!token) fail("no TaskScheduled event with a token");
await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":true}' }));
const cbDone = await awaitEnd(waiting.executionArn);
seen.callback = { status: cbDone.status, output: cbDone.output };

const task = JSON.stringify({ Type: "Task", Resource: "arn:aws:states:::lambda:invoke", InputPath: "$.order",
  Parameters: { "id.$": "$.id" }, ResultSelector: { "paid.$": "$.Payload.paid" }, ResultPath: "$.payment",
  Retry: [{ ErrorEquals: ["Busy"], MaxAttempts: 2, IntervalSeconds: 3 }],
  Catch: [{ ErrorEquals: ["States.ALL"], Next: "Handle" }], Next: "Ship" });
const tested = await sfn.send(new TestStateCommand({ definition: task, input: '{"order":{"id":7}}', inspectionLevel: "DEBUG",
  mock: { result: '{"Payload":{"paid":true}}' } }));
seen.testState = { status: tested.status, nextState: tested.nextState, output: tested.output,
  afterParameters: tested.inspectionData?.afterParameters, afterResultPath: tested.inspectionData?.afterResultPath };
const retried = await sfn.send(new TestStateCommand({ definition: task, input: '{"order":{"id":7}}', inspectionLevel: "DEBUG",
  mock: { errorOutput: { error: "Busy", cause: "later" } }, stateConfiguration: { retrierRetryCount: 1 } }));
seen.testStateRetry = { status: retried.status, error: retried.error, errorDetails: retried.inspectionData?.errorDetails };

const list = await sfn.send(new ListStateMachinesCommand({}));
seen.machines = list.stateMachines.map((m) => m.name).sort();
const execs = await sfn.send(new ListExecutionsCommand({ stateMachineArn: std.stateMachineArn }));
seen.executions = execs.executions.map((e) => e.name);

try {
  await sfn.send(new DescribeExecutionCommand({ executionArn: std.stateMachineArn.replace(":stateMachine:", ":execution:") + ":nope" }));
  fail("DescribeExecution of a missing execution succeeded");
} catch (e) {
  seen.missing = { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
}
try {
  const bad = new SFNClient({ endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: "not-the-secret-000000" } });
  await bad.send(new ListStateMachinesCommand({}));
  fail("a wrong secret was accepted");
} catch (e) {
  seen.badSecret = { name: e.name, status: e.$metadata?.httpStatusCode };
}
try {
  const unknown = new SFNClient({ endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: "SLUNKNOWNKEY0000000", secretAccessKey: "whatever-secret-0000" } });
  await unknown.send(new ListStateMachinesCommand({}));
  fail("an unknown key was accepted");
} catch (e) {
  seen.unknownKey = { name: e.name, status: e.$metadata?.httpStatusCode };
}
console.log(JSON.stringify(seen));
