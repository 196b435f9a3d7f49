import { StoreReader } from '../../src/sinks/store/reader.js';

/** The rows a SQL statement gives over the history store at `dir` (a reader of its own, closed after). */
export async function storeRows(dir: string, sql: string): Promise<Record<string, unknown>[]> {
  const r = await StoreReader.open(dir);
  try {
    return (await r.query(sql)).rows;
  } finally {
    r.close();
  }
}
