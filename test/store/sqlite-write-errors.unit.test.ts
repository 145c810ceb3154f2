/**
 * SQLite write failures as the store's typed StoreWriteError naming the file (the tmpfs test in
 * test/cli/disk-full.int.test.ts checks a real full disk; this one runs everywhere).
 */
import { describe, expect, it } from 'vitest';
import { translateWriteError } from '../../src/store/sqlite/write-errors.ts';

const sqliteError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('translateWriteError', () => {
  it('SQLITE_FULL → STORE_WRITE disk_full "disk full writing <file>", the SQLite error as cause', () => {
    const cause = sqliteError('SQLITE_FULL', 'database or disk is full');
    const err = translateWriteError(cause, '/data/events.db') as Error & { code: string; reason: string; location: string };
    expect(err).toMatchObject({ code: 'STORE_WRITE', reason: 'disk_full', location: '/data/events.db', cause });
    expect(err.message).toBe('disk full writing /data/events.db (SQLITE_FULL); nothing of this append was stored');
  });

  it('SQLITE_IOERR_* → io and SQLITE_READONLY_* → read_only, with the SQLite message', () => {
    expect(translateWriteError(sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error'), '/f.db')).toMatchObject({
      reason: 'io',
      message: 'I/O error writing /f.db (SQLITE_IOERR_WRITE): disk I/O error; nothing of this append was stored',
    });
    expect(translateWriteError(sqliteError('SQLITE_READONLY_DBMOVED', 'attempt to write a readonly database'), '/f.db')).toMatchObject({ reason: 'read_only' });
  });

  it('other errors are returned unchanged', () => {
    const wev = Object.assign(new Error('expected revision 1'), { code: 'WRONG_EXPECTED_VERSION' });
    expect(translateWriteError(wev, '/f.db')).toBe(wev);
    expect(translateWriteError('text', '/f.db')).toBe('text');
  });
});
