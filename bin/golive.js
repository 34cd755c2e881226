#!/usr/bin/env node
// `golive` runs the TypeScript CLI through ts-node (transpile only: type errors are caught by
// `npm run typecheck`, not paid for at every start).
"use strict";
const path = require("node:path");
// The AWS SDK's notice that its 2027 releases need Node 22 is not about anything golive does; child
// processes (pulumi, its providers) inherit the switch. Set it to "false" to see the notice.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
}
require("ts-node").register({
  transpileOnly: true,
  project: path.join(__dirname, "..", "tsconfig.json"),
});
require("../cli/main.ts")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    console.error(`golive: ${err && err.message ? err.message : err}`);
    process.exitCode = 1;
  });
