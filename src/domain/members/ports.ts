/**
 * What the team directory needs from storage (DESIGN.md §6): a signal that the team may have changed. The domain
 * declares it; `src/db/table-writes.ts` implements it by watching the SQL the ORM sends.
 */

/**
 * Tells its listener when the members or organizations tables may have been written: when a statement that writes
 * them is about to run, and again when the transaction that ran it ends (commit or rollback). A false alarm is
 * allowed (it costs a reload); a missed write is not.
 */
export interface TeamChangeSignal {
  /** Registers `onChange`; it is called synchronously, before the write's statement is sent. */
  subscribe(onChange: () => void): void;
}
