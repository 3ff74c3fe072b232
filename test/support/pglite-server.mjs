// A PGlite database served on a loopback port by its socket server, in a process of its own: PGlite
// runs in the thread that calls it, so a statement like pg_sleep(60) blocks only this process, not
// Vitest or the other test servers. Started by test/support/postgres.ts with fork(); argument: a data
// folder, or none for a database in memory. Sends { port } once listening; exits with its parent.
//
// PGlite is one Postgres session. The socket server multiplexes its clients onto it (queries queue,
// a transaction keeps the session until it ends), refuses clients past maxConnections, and ignores
// CancelRequest; the suites keep that in mind (one connection per job, disposable servers for cancels).
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const db = await PGlite.create(process.argv[2] || undefined);
const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 64 });
server.addEventListener("listening", (event) => process.send?.({ port: event.detail.port }));
await server.start();
process.on("disconnect", () => process.exit(0));
