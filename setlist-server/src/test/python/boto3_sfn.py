"""Every Step Functions action through boto3 against a Setlist server.

Reads SETLIST_ENDPOINT and the AWS_* credentials from the environment; prints one JSON object:
{"botocore": version, "answered": {action: "ok" | error code}, "missing": [actions this botocore
does not know], "checks": {...}}. Each action is called with a well-formed request; an error that
botocore parsed into a code counts as answered (an unknown operation or a parse failure does not).
"""
import json
import os
import sys
import time

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/boto3"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"b": 1}, "ResultPath": "$.b",
                                                      "End": True}}})
WAIT_TOKEN = json.dumps({"StartAt": "T", "States": {"T": {
    "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
    "Parameters": {"StateMachineArn.$": "$.child", "Input": {"token.$": "$$.Task.Token"}}, "End": True}}})
MAP = json.dumps({"StartAt": "M", "States": {"M": {
    "Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                     "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
    "ItemsPath": "$.items", "End": True}}})

sfn = boto3.client("stepfunctions", endpoint_url=os.environ["SETLIST_ENDPOINT"],
                   config=Config(inject_host_prefix=False, retries={"max_attempts": 1}, read_timeout=70))
known = set(sfn.meta.service_model.operation_names)
answered = {}
checks = {}


def call(action, **kwargs):
    if action not in known:
        return None
    try:
        out = getattr(sfn, botocore.xform_name(action))(**kwargs)
        answered.setdefault(action, "ok")
        return out
    except ClientError as e:
        answered.setdefault(action, e.response["Error"]["Code"])
        return None


def wait(arn):
    for _ in range(300):
        d = call("DescribeExecution", executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.05)
    return d


sm = call("CreateStateMachine", name="boto3-pass", definition=PASS, roleArn=ROLE, publish=True,
          tags=[{"key": "team", "value": "boto3"}])
arn = sm["stateMachineArn"]
version = sm.get("stateMachineVersionArn")
express = call("CreateStateMachine", name="boto3-express", definition=PASS, roleArn=ROLE, type="EXPRESS")
call("UpdateStateMachine", stateMachineArn=arn, definition=PASS.replace('"b": 1', '"b": 2'))
checks["describeName"] = call("DescribeStateMachine", stateMachineArn=arn)["name"]
checks["machines"] = sorted(m["name"] for m in call("ListStateMachines")["stateMachines"])
checks["valid"] = call("ValidateStateMachineDefinition", definition=PASS)["result"] if "ValidateStateMachineDefinition" in known else None

run = call("StartExecution", stateMachineArn=arn, name="boto3-1", input='{"n": 1}')
done = wait(run["executionArn"])
checks["status"] = done["status"]
checks["output"] = json.loads(done["output"])
checks["stopDateIsDatetime"] = type(done["stopDate"]).__name__
checks["history"] = [e["type"] for e in call("GetExecutionHistory", executionArn=run["executionArn"])["events"]]
checks["executions"] = [e["name"] for e in call("ListExecutions", stateMachineArn=arn)["executions"]]
call("DescribeStateMachineForExecution", executionArn=run["executionArn"])
sync = call("StartSyncExecution", stateMachineArn=express["stateMachineArn"], input='{"s": 2}')
checks["sync"] = sync["status"] if sync else None

child = call("CreateStateMachine", name="boto3-child", definition=json.dumps(
    {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}}), roleArn=ROLE)
parent = call("CreateStateMachine", name="boto3-parent", definition=WAIT_TOKEN, roleArn=ROLE)
waiting = call("StartExecution", stateMachineArn=parent["stateMachineArn"],
               input=json.dumps({"child": child["stateMachineArn"]}))
token = None
for _ in range(200):
    kids = sfn.list_executions(stateMachineArn=child["stateMachineArn"])["executions"]
    if kids:
        token = json.loads(sfn.describe_execution(executionArn=kids[0]["executionArn"])["input"])["token"]
        break
    time.sleep(0.05)
call("SendTaskHeartbeat", taskToken=token)
call("SendTaskSuccess", taskToken=token, output='{"ok": true}')
checks["callback"] = wait(waiting["executionArn"])["status"]
call("SendTaskFailure", taskToken=token, error="Late", cause="already done")

stopped = call("StartExecution", stateMachineArn=child["stateMachineArn"], name="boto3-stopped")
call("StopExecution", executionArn=stopped["executionArn"], error="Stop", cause="boto3")
call("RedriveExecution", executionArn=stopped["executionArn"])

activity = call("CreateActivity", name="boto3-activity")
call("DescribeActivity", activityArn=activity["activityArn"])
call("ListActivities")
call("GetActivityTask", activityArn=activity["activityArn"], workerName="boto3")
call("DeleteActivity", activityArn=activity["activityArn"])

mapped = call("CreateStateMachine", name="boto3-map", definition=MAP, roleArn=ROLE)
mrun = call("StartExecution", stateMachineArn=mapped["stateMachineArn"], input='{"items": [1, 2, 3]}')
checks["map"] = wait(mrun["executionArn"])["status"]
runs = call("ListMapRuns", executionArn=mrun["executionArn"])
if runs and runs["mapRuns"]:
    map_run = runs["mapRuns"][0]["mapRunArn"]
    call("DescribeMapRun", mapRunArn=map_run)
    call("UpdateMapRun", mapRunArn=map_run, maxConcurrency=2)

published = call("PublishStateMachineVersion", stateMachineArn=arn, description="v2")
call("ListStateMachineVersions", stateMachineArn=arn)
alias = call("CreateStateMachineAlias", name="live", routingConfiguration=[
    {"stateMachineVersionArn": published["stateMachineVersionArn"], "weight": 100}])
call("DescribeStateMachineAlias", stateMachineAliasArn=alias["stateMachineAliasArn"])
call("UpdateStateMachineAlias", stateMachineAliasArn=alias["stateMachineAliasArn"], description="live traffic")
call("ListStateMachineAliases", stateMachineArn=arn)
call("DeleteStateMachineAlias", stateMachineAliasArn=alias["stateMachineAliasArn"])
call("DeleteStateMachineVersion", stateMachineVersionArn=version)

call("TagResource", resourceArn=arn, tags=[{"key": "stage", "value": "test"}])
call("UntagResource", resourceArn=arn, tagKeys=["team"])
tags = call("ListTagsForResource", resourceArn=arn)
checks["tags"] = tags["tags"] if tags else None
tested = call("TestState", definition=json.dumps({"Type": "Pass", "Result": 1, "End": True}),
              roleArn=ROLE, input="{}")
checks["testState"] = tested["status"] if tested else None
call("DeleteStateMachine", stateMachineArn=express["stateMachineArn"])

# includedData as the SDK sends it
if "includedData" in sfn.meta.service_model.operation_model("DescribeStateMachine").input_shape.members:
    checks["allData"] = sfn.describe_state_machine(stateMachineArn=arn, includedData="ALL_DATA")["definition"] == \
        sfn.describe_state_machine(stateMachineArn=arn)["definition"]
    checks["metadataOnly"] = sfn.describe_state_machine(stateMachineArn=arn, includedData="METADATA_ONLY")["definition"]

# a Distributed Map over no items ends at once
empty = sfn.start_execution(stateMachineArn=mapped["stateMachineArn"], input='{"items": []}')
done_empty = wait(empty["executionArn"])
checks["emptyMap"] = {"status": done_empty["status"], "output": json.loads(done_empty["output"])}

# events:putEvents from one machine onto the bus, a rule starting another
events = boto3.client("events", endpoint_url=os.environ["SETLIST_ENDPOINT"], config=Config(retries={"max_attempts": 1}))
receiver = sfn.create_state_machine(name="boto3-receiver", definition=PASS, roleArn=ROLE)["stateMachineArn"]
events.put_rule(Name="boto3-orders", EventPattern=json.dumps({"source": ["boto3.orders"]}))
events.put_targets(Rule="boto3-orders", Targets=[{"Id": "receiver", "Arn": receiver, "RoleArn": ROLE}])
publisher = sfn.create_state_machine(name="boto3-publisher", roleArn=ROLE, definition=json.dumps(
    {"StartAt": "Put", "States": {"Put": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents", "End": True,
                                          "Parameters": {"Entries": [{"Source": "boto3.orders", "DetailType": "Placed",
                                                                      "Detail": {"order.$": "$.order"}}]}}}}))
published_run = sfn.start_execution(stateMachineArn=publisher["stateMachineArn"], input='{"order": 7}')
put = wait(published_run["executionArn"])
checks["putEvents"] = {"status": put["status"], "failed": json.loads(put["output"]).get("FailedEntryCount")}
received = []
for _ in range(300):
    received = sfn.list_executions(stateMachineArn=receiver)["executions"]
    if received:
        break
    time.sleep(0.05)
if received:
    first = wait(received[0]["executionArn"])
    checks["received"] = json.loads(first["input"]).get("detail")

try:
    sfn.describe_execution(executionArn=arn.replace("stateMachine", "execution") + ":nope")
except ClientError as e:
    checks["missing"] = {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}

print(json.dumps({"botocore": botocore.__version__, "answered": answered, "known": sorted(known),
                  "missing": sorted(a for a in sfn.meta.service_model.operation_names if a not in answered),
                  "checks": checks}, default=str))
