import { manifestation, type Manifestation, type SignatureRecord } from '../engine/features/signatures/index.js';

// The signing rules live with the complete-task command (engine/features/tasks/signing.ts); they are
// re-exported here for the callers outside the task routes (change control, the modeler pages, the demo).
export { needsUserId, reauthenticateSigner, signatureComponents, signatureFor, type SignatureCredentials } from '../engine/features/tasks/index.js';

/** A signature as an answer shows it (11.50): the manifestation, without the signed content. */
export function signatureReply(signature: SignatureRecord): Omit<SignatureRecord, 'content'> & { manifestation: Manifestation } {
  const { content: _content, ...rest } = signature;
  return { ...rest, manifestation: manifestation(signature) };
}
