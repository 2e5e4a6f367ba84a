# Drives a Setlist server with boto3, as BotoClientTest starts it: SETLIST_ENDPOINT,
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY come from the test. Prints one JSON line of what it
# saw; exits 1 with the reason on the first surprise.
import json
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# TestState and StartSyncExecution have the host prefix "sync-"; a local endpoint has no such host.
sfn = boto3.client("stepfunctions", endpoint_url=os.environ["SETLIST_ENDPOINT"], region_name="us-east-1",
                   config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))
role = "arn:aws:iam::000000000000:role/boto"
seen = {}


def fail(why):
    print("boto-test: " + why, file=sys.stderr)
    sys.exit(1)


def error(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    fail("no error from " + call.__name__ + " " + json.dumps(kwargs))


def await_end(arn):
    for _ in range(400):
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.025)
    fail("did not end: " + arn)


task = json.dumps({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.order",
                   "Parameters": {"id.$": "$.id"}, "ResultSelector": {"ok.$": "$.Payload"}, "ResultPath": "$.r",
                   "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 1}],
                   "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}], "Next": "Ship"})
t = sfn.test_state(definition=task, input='{"order":{"id":3}}', inspectionLevel="DEBUG",
                   mock={"result": '{"Payload":true}'})
seen["testState"] = {"status": t["status"], "nextState": t.get("nextState"), "output": t.get("output"),
                     "inspection": t.get("inspectionData")}
c = sfn.test_state(definition=task, input='{"order":{"id":3}}', inspectionLevel="DEBUG",
                   mock={"errorOutput": {"error": "Busy", "cause": "later"}}, stateConfiguration={"retrierRetryCount": 1})
seen["testStateCaught"] = {"status": c["status"], "nextState": c.get("nextState"), "error": c.get("error"),
                           "errorDetails": c.get("inspectionData", {}).get("errorDetails")}

pass3 = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
sm = sfn.create_state_machine(name="boto-versions", definition=pass3, roleArn=role, publish=True)
version = sm["stateMachineVersionArn"]
alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
    {"stateMachineVersionArn": version, "weight": 100}])["stateMachineAliasArn"]
through_alias = sfn.start_execution(stateMachineArn=alias, name="via-alias")["executionArn"]
await_end(through_alias)
plain = sfn.start_execution(stateMachineArn=sm["stateMachineArn"], name="plain")["executionArn"]
await_end(plain)
items = {e["name"]: e for e in sfn.list_executions(stateMachineArn=sm["stateMachineArn"])["executions"]}
seen["listed"] = {name: {"versionArn": e.get("stateMachineVersionArn"), "aliasArn": e.get("stateMachineAliasArn"),
                         "redriveCount": e.get("redriveCount")} for name, e in items.items()}
d = sfn.describe_execution(executionArn=through_alias)
seen["described"] = {"versionArn": d.get("stateMachineVersionArn"), "aliasArn": d.get("stateMachineAliasArn"),
                     "redriveStatus": d.get("redriveStatus")}
seen["versions"] = [sorted(v.keys()) for v in sfn.list_state_machine_versions(
    stateMachineArn=sm["stateMachineArn"])["stateMachineVersions"]]
seen["aliases"] = [sorted(a.keys()) for a in sfn.list_state_machine_aliases(
    stateMachineArn=sm["stateMachineArn"])["stateMachineAliases"]]

seen["invalidArn"] = error(sfn.describe_execution, executionArn=sm["stateMachineArn"])
seen["missingRequired"] = error(sfn.update_state_machine, stateMachineArn=sm["stateMachineArn"])
seen["validation"] = error(sfn.list_executions, stateMachineArn=sm["stateMachineArn"], maxResults=1001)
print(json.dumps(seen))
