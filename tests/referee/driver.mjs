// One simulation per line on stdin, one answer per line on stdout, in order.
//
// An answer is {"result": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied",
// "ignoredContextKeys": [...], "resultType": "single" | "wildcard", "identity": ...,
// "resource": ...} or {"error": {...}}; identity and resource are the identity policies' and the
// resource policy's own verdicts (single-resource simulations only).
// A line that is not a simulation (bad JSON, an exception inside the simulator) answers with
// an error too, so the caller never waits for a line that will not come.
//
// A simulation may say "principal": {"anonymous": true}; the driver passes the package's own
// anonymousPrincipal marker, so the caller does not depend on its shape.

import { createInterface } from 'node:readline';
import { anonymousPrincipal, runSimulation } from '@cloud-copilot/iam-simulate';

function principalOf(value) {
  if (value !== null && typeof value === 'object' && value.anonymous === true) {
    return anonymousPrincipal;
  }
  return value;
}

async function answer(line) {
  let simulation;
  try {
    simulation = JSON.parse(line);
  } catch (err) {
    return { error: { message: 'bad.json', detail: String(err) } };
  }
  try {
    simulation.request.principal = principalOf(simulation.request.principal);
    const response = await runSimulation(simulation, { simulationMode: 'Strict' });
    if (response.resultType === 'error') {
      return { error: response.errors };
    }
    const results = response.resultType === 'single' ? [response.result] : response.results;
    const ignored = new Set(results.flatMap((r) => r.ignoredContextKeys ?? []));
    const out = {
      result: response.overallResult,
      resultType: response.resultType,
      ignoredContextKeys: [...ignored].sort()
    };
    if (response.resultType === 'single') {
      // Each policy type's own verdict, before the account and boundary logic combines them.
      out.identity = response.result.analysis?.identityAnalysis?.result;
      out.resource = response.result.analysis?.resourceAnalysis?.result;
    }
    return out;
  } catch (err) {
    return { error: { message: 'exception', detail: String(err && err.stack ? err.stack : err) } };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') {
    continue;
  }
  process.stdout.write(JSON.stringify(await answer(line)) + '\n');
}
