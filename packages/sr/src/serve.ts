// `sr status --serve <port>`: a tiny page on 127.0.0.1 showing the status table, refreshed every 2 s.
import { createServer } from 'node:http';
import { knownConfigs } from './configs.js';
import type { Ctx } from './context.js';
import type { ConfigRef } from './select.js';
import { statusOf } from './status.js';
import { strays } from './supervisor.js';
import { formatStatus } from './table.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Serves the status until SIGINT/SIGTERM: `/` is the HTML page, `/status.json` the `--json` records. Returns the exit code. */
export async function serveStatus(ctx: Ctx, refs: ConfigRef[], port: number): Promise<number> {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const [rows, lost] = await Promise.all([statusOf(refs, ctx.env, Date.now(), ctx.args.full), strays(await knownConfigs(ctx.env), ctx.env)]);
        if (req.url?.startsWith('/status.json')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(rows));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'refresh': '2' });
        res.end(`<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>sr status</title></head>` +
          `<body><pre>${escapeHtml(formatStatus(rows, { full: ctx.args.full, strays: lost.length }))}</pre></body></html>`);
      } catch (err: unknown) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      }
    })();
  });
  server.on('error', (err) => ctx.err(`status server: ${err.message}`));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const addr = server.address();
  ctx.out(`status page on http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}/ (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}
