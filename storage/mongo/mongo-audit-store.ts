import { MongoClient, type Collection, type Filter } from 'mongodb';
import type { AuditPage, AuditQuery, AuditRecord, AuditStore } from '../audit-store.js';
import { mapMongoError } from './mongo-errors.js';

interface AuditDoc extends Omit<AuditRecord, 'id'> {
  _id: string;
}

/**
 * Audit records on MongoDB (collection audit_events). Each record is one
 * insert of one document, which FerretDB 1.x handles without transactions.
 * Every query filters on the tenant first.
 */
export class MongoAuditStore implements AuditStore {
  private constructor(
    private readonly client: MongoClient,
    private readonly events: Collection<AuditDoc>,
  ) {}

  static async connect(url: string, database: string, options: { serverSelectionTimeoutMS?: number } = {}): Promise<MongoAuditStore> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000 });
    try {
      await client.connect();
      const events = client.db(database).collection<AuditDoc>('audit_events');
      // One index per command (FerretDB 1.24 fails on several existing ones at once; see collections.ts).
      await events.createIndexes([{ key: { tenant: 1, recordedAt: -1 }, name: 'audit_time' }]);
      await events.createIndexes([{ key: { tenant: 1, studyUids: 1 }, name: 'audit_study' }]);
      return new MongoAuditStore(client, events);
    } catch (err) {
      await client.close().catch(() => {});
      throw mapMongoError(err);
    }
  }

  append(r: AuditRecord): Promise<void> {
    return this.run(async () => {
      const { id, sourceAddress, ...rest } = r;
      // No undefined fields: the driver would store them as null.
      await this.events.insertOne({ _id: id, ...rest, ...(sourceAddress !== undefined ? { sourceAddress } : {}) });
    });
  }

  get(tenant: string, id: string): Promise<AuditRecord | undefined> {
    return this.run(async () => {
      const doc = await this.events.findOne({ _id: id, tenant });
      return doc ? toRecord(doc) : undefined;
    });
  }

  query(q: AuditQuery): Promise<AuditPage> {
    return this.run(async () => {
      const filter: Filter<AuditDoc> = { tenant: q.tenant };
      if (q.since !== undefined || q.until !== undefined) {
        filter.recordedAt = { ...(q.since !== undefined ? { $gte: q.since } : {}), ...(q.until !== undefined ? { $lt: q.until } : {}) };
      }
      if (q.agentId !== undefined) filter['agent.id'] = q.agentId;
      if (q.action !== undefined) filter.action = q.action;
      if (q.status) filter.status = { $gte: q.status.min, $lt: q.status.max };
      if (q.studyUid !== undefined) filter.studyUids = q.studyUid;
      const docs = await this.events.find(filter).sort({ recordedAt: -1, _id: -1 }).skip(q.offset).limit(q.limit + 1).toArray();
      return { records: docs.slice(0, q.limit).map(toRecord), more: docs.length > q.limit };
    });
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await this.client.db('admin').command({ ping: 1 });
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw mapMongoError(err);
    }
  }
}

function toRecord(doc: AuditDoc): AuditRecord {
  const { _id, ...rest } = doc;
  return {
    id: _id,
    recordedAt: rest.recordedAt,
    tenant: rest.tenant,
    agent: { kind: rest.agent.kind, id: rest.agent.id },
    action: rest.action,
    method: rest.method,
    route: rest.route,
    studyUids: rest.studyUids,
    entities: rest.entities,
    queryKeys: rest.queryKeys,
    status: rest.status,
    ...(typeof rest.sourceAddress === 'string' ? { sourceAddress: rest.sourceAddress } : {}),
  };
}
