/** Electronic signatures (21 CFR 11): manifestations, record hashes, the signing rules. */
export * from './signatures.js';
