/** Backup and restore: a signed archive of every record, unpacked within limits. */
export * from './backup-unpack.js';
export * from './backup.js';
