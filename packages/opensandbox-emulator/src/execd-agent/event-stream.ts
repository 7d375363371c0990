import type { ServerResponse } from 'node:http';
import { settings } from './settings';

/** One event of an execd stream (fields as on the wire; zero values are left out). */
export interface StreamEvent {
  type: string;
  text?: string;
  execution_count?: number;
  execution_time?: number;
  results?: Record<string, unknown>;
  error?: { ename: string; evalue: string; traceback: string[] };
}

/**
 * execd's event stream: bare JSON objects separated by a blank line, headers sent with the first
 * event, zero values left out (Go's `omitempty`), pings from {@link EventStream.startPings}.
 */
export class EventStream {
  private open = false;
  private pinger: NodeJS.Timeout | undefined;
  private pending = '';
  private flushScheduled = false;

  constructor(private readonly res: ServerResponse) {}

  send(ev: StreamEvent): void {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return;
    if (!this.open) {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      this.open = true;
    }
    const { type, text, execution_count, execution_time, results, error } = ev;
    const out: Record<string, unknown> = { type };
    if (text !== undefined && text !== '') out.text = text;
    if (execution_count) out.execution_count = execution_count;
    if (execution_time) out.execution_time = execution_time;
    out.timestamp = Date.now();
    if (results) out.results = results;
    if (error) out.error = error;
    // Events produced in the same turn (e.g. the lines of one output chunk) go out in one write.
    this.pending += `${JSON.stringify(out)}\n\n`;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending === '' || this.res.destroyed || this.res.writableEnded) return;
    this.res.write(this.pending);
    this.pending = '';
  }

  /** A `ping` now and every `pingMs` until {@link EventStream.finish}, as execd's pinger. */
  startPings(): void {
    this.send({ type: 'ping', text: 'pong' });
    this.pinger = setInterval(() => this.send({ type: 'ping', text: 'pong' }), settings.pingMs);
  }

  /** Ends the response after the grace period (`EXECD_API_GRACE_SHUTDOWN`). */
  finish(): void {
    if (this.pinger) clearInterval(this.pinger);
    const end = (): void => {
      this.flush();
      if (!this.res.writableEnded) this.res.end();
    };
    if (settings.graceMs > 0) setTimeout(end, settings.graceMs);
    else end();
  }
}
