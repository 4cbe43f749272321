import { closeSync, fsyncSync, openSync } from 'node:fs';
import { secondsSince, walFsyncLatency } from '../../metrics/registry.js';
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { logger } from '../../log.js';
import type { Entry, HardState, LoadedState, RaftStorage, Snapshot } from '../types.js';
import { decodeRecord, encodeRawRecord, encodeRecord, plainCodec, readRawRecord, TamperedRecordError, type RecordCodec } from './records.js';

/** A snapshot's data is written in parts of this many characters, each its own record: no giant buffer or escaped copy. */
const SNAPSHOT_PART_CHARS = 4 * 1024 * 1024;

/** The first record of a snapshot file: the parts of its data follow as raw records. */
interface SnapshotHead { meta: Snapshot['meta']; parts: number }

const log = logger('raft-storage');

/** One WAL record: a hard state, entries, or both; or a cut after a snapshot that replaced the log. */
interface WalRecord {
  hs?: HardState;
  e?: Entry[];
  /** Entries after this index are gone (a leader's snapshot replaced the log up to it). */
  cut?: number;
}

export interface FileStorageOptions {
  segmentBytes?: number;
  codec?: RecordCodec;
  /** Older snapshot files kept besides the newest. */
  keepOldSnapshots?: number;
}

const segName = (seq: number, firstIndex: number) => `${String(seq).padStart(16, '0')}-${String(firstIndex).padStart(16, '0')}.wal`;
const parseSeg = (name: string) => {
  const m = /^(\d{16})-(\d{16})\.wal$/.exec(name);
  return m ? { seq: Number(m[1]), first: Number(m[2]), name } : undefined;
};

/**
 * Raft's durable state: a write-ahead log in segment files (a CRC per
 * record, fdatasync before save() resolves) and snapshot files (temp file,
 * rename, directory fsync). A torn or corrupt tail of the last segment is
 * cut on open; corruption anywhere else stops the start. Records and
 * snapshots go through the codec; a record that is intact but written under
 * a key the codec lacks, or fails authentication, stops the start
 * (WrongKeyError / TamperedRecordError) and nothing is cut.
 */
export class FileRaftStorage implements RaftStorage {
  private fh?: FileHandle;
  private segBytes = 0;
  private seq = 0;
  private lastIndex = 0;
  /** Key of the open segment's records: a new write key starts a new segment, so old ones can go. */
  private segKeyId?: string;
  /** Repeated at the head of each segment, so dropping old segments never loses it. */
  private hs: HardState = { term: 0, vote: '', commit: 0 };
  private io: Promise<unknown> = Promise.resolve();
  private readonly codec: RecordCodec;
  private readonly segmentBytes: number;
  /** What open() found broken and cut, for logs and tests. */
  repaired?: string;

  constructor(private dir: string, private opts: FileStorageOptions = {}) {
    this.codec = opts.codec ?? plainCodec;
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
  }

  /** How many older snapshot files to keep besides the newest (swarm update --max-snapshots). */
  setKeepOldSnapshots(n: number): void {
    this.opts = { ...this.opts, keepOldSnapshots: n };
  }

  private get walDir() { return join(this.dir, 'wal'); }
  private get snapDir() { return join(this.dir, 'snap'); }

  async open(): Promise<LoadedState> {
    await mkdir(this.walDir, { recursive: true });
    await mkdir(this.snapDir, { recursive: true });
    const snapshot = await this.loadSnapshot();
    const after = snapshot?.meta.index ?? 0;
    let hardState: HardState = { term: 0, vote: '', commit: 0 };
    const entries: Entry[] = [];
    const segs = await this.segments();
    for (let i = 0; i < segs.length; i++) {
      const path = join(this.walDir, segs[i].name);
      const buf = await readFile(path);
      let pos = 0;
      for (;;) {
        const r = decodeRecord<WalRecord>(buf, pos, this.codec, `raft WAL ${path}`);
        if (r.kind === 'end') break;
        if (r.kind === 'bad') {
          if (i !== segs.length - 1) throw new Error(`raft WAL ${path} is corrupt at byte ${r.at} (${r.why}) and later segments follow: refusing to start`);
          // The last write never finished: cut it, never apply it.
          this.repaired = `${segs[i].name}: ${r.why} at byte ${r.at}, cut ${buf.length - r.at} bytes`;
          log.warn({ repaired: this.repaired }, 'cut a torn WAL tail');
          const fh = await open(path, 'r+');
          await fh.truncate(r.at);
          await fh.sync();
          await fh.close();
          break;
        }
        if (i === segs.length - 1) this.segKeyId = this.codec.keyIdOf?.(r.body);
        pos = r.end;
        if (r.value.hs) hardState = r.value.hs;
        if (r.value.cut !== undefined) entries.length = Math.max(0, Math.min(entries.length, r.value.cut - after));
        for (const e of r.value.e ?? []) {
          // A later record for an index replaces it and everything after it, even an index the snapshot covers.
          if (e.index <= after) { entries.length = 0; continue; }
          const at = e.index - after - 1;
          if (at > entries.length) throw new Error(`raft WAL ${path}: gap before entry ${e.index}`);
          entries.length = at;
          entries.push(e);
        }
      }
    }
    this.lastIndex = entries.length ? entries[entries.length - 1].index : after;
    this.hs = hardState;
    const last = segs[segs.length - 1];
    this.seq = last ? last.seq : 0;
    if (last) {
      this.fh = await open(join(this.walDir, last.name), 'a');
      this.segBytes = (await this.fh.stat()).size;
    } else {
      await this.newSegment(this.lastIndex + 1);
    }
    return { hardState, snapshot, entries };
  }

  save(hardState: HardState | undefined, entries: Entry[]): Promise<void> {
    if (!hardState && !entries.length) return Promise.resolve();
    return this.turn(async () => {
      const rekeyed = this.segKeyId !== undefined && this.codec.writeKeyId !== this.segKeyId;
      if (this.segBytes >= this.segmentBytes || rekeyed) await this.newSegment(entries[0]?.index ?? this.lastIndex + 1);
      const rec: WalRecord = {};
      if (hardState) rec.hs = this.hs = hardState;
      if (entries.length) rec.e = entries;
      const buf = encodeRecord(rec, this.codec);
      await this.fh!.write(buf);
      const synced = process.hrtime.bigint();
      await this.fh!.datasync();
      walFsyncLatency.observe(secondsSince(synced));
      this.segBytes += buf.length;
      this.segKeyId ??= this.codec.writeKeyId;
      if (entries.length) this.lastIndex = entries[entries.length - 1].index;
    });
  }

  /** `replacesLog`: the snapshot came from the leader and replaced our log, so no entry after it stays. */
  saveSnapshot(snap: Snapshot, replacesLog = false): Promise<void> {
    return this.turn(async () => {
      const name = `${String(snap.meta.index).padStart(16, '0')}.snap`;
      const tmp = join(this.snapDir, name + '.tmp');
      const fh = await open(tmp, 'w');
      const parts = Math.max(1, Math.ceil(snap.data.length / SNAPSHOT_PART_CHARS));
      await fh.write(encodeRecord({ meta: snap.meta, parts } satisfies SnapshotHead, this.codec));
      for (let i = 0; i < parts; i++) {
        await fh.write(encodeRawRecord(Buffer.from(snap.data.slice(i * SNAPSHOT_PART_CHARS, (i + 1) * SNAPSHOT_PART_CHARS)), this.codec));
      }
      await fh.sync();
      await fh.close();
      await rename(tmp, join(this.snapDir, name));
      fsyncDir(this.snapDir);
      if (replacesLog && this.lastIndex > snap.meta.index) {
        const buf = encodeRecord({ cut: snap.meta.index } satisfies WalRecord, this.codec);
        await this.fh!.write(buf);
        await this.fh!.datasync();
        this.segBytes += buf.length;
      }
      if (replacesLog) this.lastIndex = snap.meta.index;
      await this.dropOld(snap.meta.index);
    });
  }

  /** Removes snapshots beyond what is kept, and segments wholly covered by the snapshot. */
  private async dropOld(index: number) {
    const snaps = (await readdir(this.snapDir)).filter((n) => n.endsWith('.snap')).sort();
    const keep = 1 + (this.opts.keepOldSnapshots ?? 0);
    for (const n of snaps.slice(0, Math.max(0, snaps.length - keep))) await rm(join(this.snapDir, n), { force: true });
    const segs = await this.segments();
    // Segment i holds entries from its first index up to the next segment's first index.
    for (let i = 0; i + 1 < segs.length; i++) {
      if (segs[i + 1].first - 1 <= index && segs[i + 1].first > 0) await rm(join(this.walDir, segs[i].name), { force: true });
    }
    fsyncDir(this.walDir);
  }

  private async newSegment(firstIndex: number) {
    await this.fh?.close();
    this.seq++;
    this.fh = await open(join(this.walDir, segName(this.seq, firstIndex)), 'a');
    const head = encodeRecord({ hs: this.hs } satisfies WalRecord, this.codec);
    await this.fh.write(head);
    await this.fh.datasync();
    this.segBytes = head.length;
    this.segKeyId = this.codec.writeKeyId;
    fsyncDir(this.walDir);
  }

  private async segments() {
    return (await readdir(this.walDir)).map(parseSeg).filter((s) => !!s).sort((a, b) => a.seq - b.seq);
  }

  private async loadSnapshot(): Promise<Snapshot | undefined> {
    const names = (await readdir(this.snapDir)).filter((n) => n.endsWith('.snap')).sort().reverse();
    for (const n of names) {
      const path = join(this.snapDir, n);
      const buf = await readFile(path);
      let why: string;
      try {
        const r = decodeRecord<Snapshot | SnapshotHead>(buf, 0, this.codec, `raft snapshot ${path}`);
        if (r.kind === 'record' && !('parts' in r.value)) return r.value; // one record (older files)
        if (r.kind === 'record') {
          const head = r.value as SnapshotHead;
          const data = this.readParts(buf, r.end, head.parts);
          if (data !== undefined) return { meta: head.meta, data };
          why = 'torn snapshot part';
        } else {
          why = r.kind === 'bad' ? r.why : 'empty';
        }
      } catch (e) {
        // A wrong key stops the start; a tampered snapshot is only never used, like a corrupt one.
        if (!(e instanceof TamperedRecordError)) throw e;
        why = e.message;
      }
      log.warn({ file: n, why }, 'skipping a broken snapshot file');
    }
    return undefined;
  }

  /** The snapshot data's parts after its head record; undefined if one is missing or broken. */
  private readParts(buf: Buffer, pos: number, parts: number): string | undefined {
    const texts: string[] = [];
    for (let i = 0; i < parts; i++) {
      const raw = readRawRecord(buf, pos);
      if (raw.kind !== 'record') return undefined;
      texts.push(this.codec.decode(raw.body).toString('utf8'));
      pos = raw.end;
    }
    return texts.join('');
  }

  /**
   * The keys (RecordCodec.keyIdOf) of every intact record in the WAL and
   * snapshot files: an old data key may be forgotten once it is not here.
   */
  usedKeyIds(): Promise<Set<string>> {
    return this.turn(async () => {
      const ids = new Set<string>();
      const files = [
        ...(await this.segments()).map((s) => join(this.walDir, s.name)),
        ...(await readdir(this.snapDir)).filter((n) => n.endsWith('.snap')).map((n) => join(this.snapDir, n)),
      ];
      for (const f of files) {
        const buf = await readFile(f);
        for (let r = readRawRecord(buf, 0); r.kind === 'record'; r = readRawRecord(buf, r.end)) {
          ids.add(this.codec.keyIdOf?.(r.body) ?? 'unknown');
        }
      }
      return ids;
    });
  }

  private turn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.io.then(fn);
    this.io = run.catch(() => undefined);
    return run;
  }

  close(): Promise<void> {
    return this.turn(async () => {
      await this.fh?.close();
      this.fh = undefined;
    });
  }
}

function fsyncDir(dir: string) {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}
