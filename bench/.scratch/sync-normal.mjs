// Diagnostic only: run the server with SQLite synchronous=NORMAL instead of FULL.
import Database from 'better-sqlite3';
const orig = Database.prototype.pragma;
Database.prototype.pragma = function (s, o) {
  if (/^synchronous/.test(s)) s = 'synchronous = NORMAL';
  return orig.call(this, s, o);
};
