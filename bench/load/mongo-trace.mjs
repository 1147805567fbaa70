// Preloaded into the server by `bench/load.ts --trace-mongo` (node --import):
// appends one line per MongoDB command to $MONGO_TRACE_FILE — end time, duration
// in ms, command, collection and the filter's top-level keys (never values: no
// PHI) — so the report can say which finds/updates the time goes to.
// Plain JS: it is loaded before tsx.
import { appendFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';

const file = process.env.MONGO_TRACE_FILE;
const connect = MongoClient.prototype.connect;

/** The filter's keys (e.g. ["_id"] or ["tenant","studyUid"]), the shape that decides FerretDB's pushdown. */
function shape(c) {
  const q = c.filter ?? c.query ?? c.updates?.[0]?.q ?? c.deletes?.[0]?.q;
  const keys = q ? JSON.stringify(Object.keys(q)) : '';
  return `${keys}${c.updates?.[0]?.upsert ? ' upsert' : ''}${c.sort ? ' sort' : ''}`;
}

MongoClient.prototype.connect = function (...args) {
  if (file && !this.traced) {
    this.traced = true;
    this.monitorCommands = true;
    const started = new Map();
    this.on('commandStarted', (e) => started.set(e.requestId, `${e.commandName} ${e.command[e.commandName]} ${shape(e.command)}`));
    const done = (e) => {
      const what = started.get(e.requestId);
      started.delete(e.requestId);
      appendFileSync(file, `${Date.now()}\t${e.duration}\t${what}\t${e.failure ? 'failed' : ''}\n`);
    };
    this.on('commandSucceeded', done);
    this.on('commandFailed', done);
  }
  return connect.apply(this, args);
};
