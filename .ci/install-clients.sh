#!/usr/bin/env bash
# Installs the real clients the server's integration tests drive: the AWS CLI (Debian's awscli),
# the AWS SDK for JavaScript v3 under setlist-server/src/test/js (from its package-lock.json), and
# Chromium with its driver for the console's browser tests (Debian's chromium and chromium-driver),
# Prometheus with promtool (Debian's prometheus), which scrapes the server's /metrics, and boto3.
# Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! [ -x /usr/bin/aws ]; then
  echo "install-clients: installing awscli (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q awscli
fi
if ! [ -x /usr/bin/prometheus ] || ! [ -x /usr/bin/promtool ]; then
  echo "install-clients: installing prometheus (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q prometheus
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-clients: installing nodejs and npm (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q nodejs npm
fi
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  echo "install-clients: installing chromium and chromium-driver (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q chromium chromium-driver
fi
# boto3 for the Python SDK test: the python3 on the PATH may have it; else Debian's python3-boto3.
if ! python3 -c 'import boto3' >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import boto3' >/dev/null 2>&1; then
  echo "install-clients: installing python3-boto3 (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q python3-boto3
fi
js=setlist-server/src/test/js
if ! [ -f "$js/node_modules/@aws-sdk/client-sfn/package.json" ] || ! [ -f "$js/node_modules/@aws-sdk/client-eventbridge/package.json" ] \
    || ! cmp -s "$js/package-lock.json" "$js/node_modules/.installed-from-lock" 2>/dev/null; then
  echo "install-clients: npm ci in $js"
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-from-lock)
fi
echo "install-clients: $(/usr/bin/aws --version 2>&1 | head -n1); node $(node --version);" \
  "@aws-sdk/client-sfn $(node -p "require('./$js/node_modules/@aws-sdk/client-sfn/package.json').version");" \
  "$(/usr/bin/chromium --version 2>/dev/null | head -n1); $(/usr/bin/chromedriver --version 2>/dev/null | cut -d' ' -f1-2);" \
  "$(/usr/bin/prometheus --version 2>&1 | head -n1); boto3 $(python3 -c 'import boto3; print(boto3.__version__)')"
