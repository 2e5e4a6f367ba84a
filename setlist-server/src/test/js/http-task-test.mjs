// The npm SDK v3 drives an HTTP Task: it starts a local HTTP service on loopback, creates an
// EventBridge connection with an API key, a state machine whose Task is arn:aws:states:::http:invoke
// authorized by that connection, runs it, and prints one JSON line of what the service received
// and what the execution answered. Exits 1 with the reason on the first surprise.
import http from "node:http";
import { EventBridgeClient, CreateConnectionCommand, DescribeConnectionCommand } from "@aws-sdk/client-eventbridge";
import { SFNClient, CreateStateMachineCommand, StartExecutionCommand, DescribeExecutionCommand } from "@aws-sdk/client-sfn";

const endpoint = process.env.SETLIST_ENDPOINT;
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY };
const sfn = new SFNClient({ endpoint, region: "us-east-1", credentials, disableHostPrefix: true, maxAttempts: 1 });
const events = new EventBridgeClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const seen = { requests: [] };

function fail(why) {
  console.error("http-task-test: " + why);
  process.exit(1);
}

const service = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    seen.requests.push({ method: req.method, url: req.url, key: req.headers["x-api-key"] || null, body });
    res.writeHead(req.url.startsWith("/missing") ? 404 : 200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ received: body ? JSON.parse(body) : null }));
  });
});
await new Promise((r) => service.listen(0, "127.0.0.1", r));
const base = "http://127.0.0.1:" + service.address().port;

async function awaitEnd(executionArn) {
  for (let i = 0; i < 400; i++) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== "RUNNING") return d;
    await new Promise((r) => setTimeout(r, 25));
  }
  fail("execution did not end: " + executionArn);
}

try {
  const connection = await events.send(new CreateConnectionCommand({
    Name: "sdk-api-key", AuthorizationType: "API_KEY",
    AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: "X-Api-Key", ApiKeyValue: "sdk-secret-key-1" } },
  }));
  const described = await events.send(new DescribeConnectionCommand({ Name: "sdk-api-key" }));
  seen.describedKeyValue = described.AuthParameters?.ApiKeyAuthParameters?.ApiKeyValue ?? null;
  seen.connectionState = described.ConnectionState;
  const definition = (path) => JSON.stringify({ StartAt: "Call", States: { Call: {
    Type: "Task", Resource: "arn:aws:states:::http:invoke", End: true,
    Parameters: { ApiEndpoint: base + path, Method: "POST", "RequestBody.$": "$",
      Authentication: { ConnectionArn: connection.ConnectionArn } } } } });
  const ok = await sfn.send(new CreateStateMachineCommand({ name: "sdk-http", definition: definition("/orders"),
    roleArn: "arn:aws:iam::000000000000:role/sdk" }));
  const run = await sfn.send(new StartExecutionCommand({ stateMachineArn: ok.stateMachineArn, input: '{"order": 7}' }));
  const done = await awaitEnd(run.executionArn);
  seen.status = done.status;
  seen.output = JSON.parse(done.output);
  const missing = await sfn.send(new CreateStateMachineCommand({ name: "sdk-http-404", definition: definition("/missing"),
    roleArn: "arn:aws:iam::000000000000:role/sdk" }));
  const failed = await awaitEnd((await sfn.send(new StartExecutionCommand({ stateMachineArn: missing.stateMachineArn,
    input: "{}" }))).executionArn);
  seen.failed = { status: failed.status, error: failed.error };
} catch (e) {
  fail((e.name || "Error") + ": " + e.message);
} finally {
  service.close();
}
console.log(JSON.stringify(seen));
