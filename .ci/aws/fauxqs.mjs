// Starts fauxqs (SQS + SNS + S3) on 127.0.0.1 only. fauxqs 1.9.2 hard-codes
// host 0.0.0.0, so listen() is patched before the app is imported.
// Usage: node fauxqs.mjs PORT
import net from "node:net";

const port = parseInt(process.argv[2] ?? process.env.FAUXQS_PORT ?? "4566", 10);
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const cb = args.find((a) => typeof a === "function");
  if (typeof args[0] === "object" && args[0] !== null) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  } else if (typeof args[0] === "number" || typeof args[0] === "string") {
    args = [{ port: Number(args[0]), host: "127.0.0.1" }, ...(cb ? [cb] : [])];
  }
  return listen.apply(this, args);
};

const { startFauxqs } = await import("./node_modules/fauxqs/dist/app.js");
const server = await startFauxqs({ port, logger: false });
console.log(`fauxqs listening on ${server.address}`);
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, async () => {
    await server.stop();
    process.exit(0);
  });
}
