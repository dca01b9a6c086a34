// An Inngest app written with the official inngest-js SDK, as any user of
// that SDK would write it. compat/go starts it against cmd/inngest-dev and
// checks each function's runs through the dev server's API.
//
// Environment: PORT (where to listen, on 127.0.0.1), INNGEST_DEV (the dev
// server's URL, which also selects dev mode).
import http from "node:http";
import { Inngest, NonRetriableError } from "inngest";
import { serve } from "inngest/node";

const inngest = new Inngest({ id: "compat-js" });

// How often each keyed step body ran, to tell memoized steps from re-runs.
const runs = new Map();
const count = (key) => {
  const n = (runs.get(key) ?? 0) + 1;
  runs.set(key, n);
  return n;
};

const output = inngest.createFunction(
  { id: "output", triggers: [{ event: "js/output" }] },
  async ({ event }) => ({ hello: event.data.name, sdk: "js" }),
);

const stepsSleep = inngest.createFunction(
  { id: "steps-sleep", triggers: [{ event: "js/steps-sleep" }] },
  async ({ step }) => {
    const a = await step.run("first", () => 1);
    await step.sleep("nap", "1s");
    const b = await step.run("second", () => a + 1);
    return { a, b };
  },
);

const stepRetry = inngest.createFunction(
  { id: "step-retry", retries: 2, triggers: [{ event: "js/step-retry" }] },
  async ({ event, step }) => {
    const got = await step.run("flaky", () => {
      const n = count(`step-retry:${event.data.key}`);
      if (n === 1) throw new Error("flaky step: first try fails");
      return { tries: n };
    });
    return got;
  },
);

const fnRetry = inngest.createFunction(
  { id: "fn-retry", retries: 2, triggers: [{ event: "js/fn-retry" }] },
  async ({ event, step, attempt }) => {
    await step.run("once", () => count(`fn-retry:${event.data.key}`));
    if (attempt === 0) throw new Error("function fails on its first attempt");
    return { attempt, stepRuns: runs.get(`fn-retry:${event.data.key}`) ?? 0 };
  },
);

const fails = inngest.createFunction(
  { id: "fails", retries: 0, triggers: [{ event: "js/fails" }] },
  async () => {
    throw new NonRetriableError("this function always fails");
  },
);

const cancel = inngest.createFunction(
  {
    id: "cancel",
    triggers: [{ event: "js/cancel" }],
    cancelOn: [{ event: "js/cancel.stop", if: "async.data.id == event.data.id" }],
  },
  async ({ event, step }) => {
    await step.sleep("long", event.data.sleep ?? "30s");
    return { done: true };
  },
);

const wait = inngest.createFunction(
  { id: "wait", triggers: [{ event: "js/wait" }] },
  async ({ event, step }) => {
    const got = await step.waitForEvent("approval", {
      event: "js/wait.approved",
      if: "async.data.id == event.data.id",
      timeout: event.data.timeout ?? "20s",
    });
    return got === null ? { timedOut: true } : { timedOut: false, by: got.data.by };
  },
);

const fanChild = inngest.createFunction(
  { id: "fan-child", triggers: [{ event: "js/fan.child" }] },
  async ({ event }) => ({ i: event.data.i, times10: event.data.i * 10 }),
);

const fanOut = inngest.createFunction(
  { id: "fan-out", triggers: [{ event: "js/fan-out" }] },
  async ({ event, step }) => {
    const sent = await step.sendEvent(
      "fan",
      [1, 2, 3].map((i) => ({ name: "js/fan.child", data: { i, parent: event.data.key } })),
    );
    return { ids: sent.ids };
  },
);

const invokeChild = inngest.createFunction(
  { id: "invoke-child", triggers: [{ event: "js/invoke-child" }] },
  async ({ event }) => ({ doubled: event.data.n * 2 }),
);

const invokeParent = inngest.createFunction(
  { id: "invoke-parent", triggers: [{ event: "js/invoke" }] },
  async ({ event, step }) => {
    const res = await step.invoke("call-child", { function: invokeChild, data: { n: event.data.n } });
    return { child: res };
  },
);

const parallel = inngest.createFunction(
  { id: "parallel", triggers: [{ event: "js/parallel" }] },
  async ({ step }) => {
    const parts = await Promise.all([
      step.run("p1", () => 1),
      step.run("p2", () => 2),
      step.run("p3", () => 3),
    ]);
    return { parts, sum: parts.reduce((a, b) => a + b, 0) };
  },
);

const handler = serve({
  client: inngest,
  functions: [output, stepsSleep, stepRetry, fnRetry, fails, cancel, wait, fanChild, fanOut, invokeChild, invokeParent, parallel],
});

const port = Number(process.env.PORT ?? 3000);
http
  .createServer((req, res) => {
    if (req.url === "/health") {
      res.end("ok");
      return;
    }
    handler(req, res);
  })
  .listen(port, "127.0.0.1", () => {
    console.log(`compat-js listening on http://127.0.0.1:${port}/api/inngest`);
  });
