import type { UserRecord } from '../../kernel/model.js';
import type { FeatureContext } from '../context.js';
import * as admin from './administration.js';
import { applyImport, planImport, type ImportPlan } from './import.js';

/**
 * The administration of people bound to the engine: what api/ calls (ProcessEngine.people). Each command
 * checks who may (admins; site administrators for their sites) itself, by the actor's id.
 */
export class PeopleCommands {
  constructor(private readonly ctx: FeatureContext) {}

  list(actorId: string, filter?: admin.PeopleFilter): Promise<UserRecord[]> {
    return admin.listPeople(this.ctx, actorId, filter);
  }

  view(actorId: string, id: string): ReturnType<typeof admin.personView> {
    return admin.personView(this.ctx, actorId, id);
  }

  create(actorId: string, changes: admin.PersonChanges, reason?: unknown): Promise<UserRecord> {
    return admin.createPerson(this.ctx, actorId, changes, reason);
  }

  update(actorId: string, id: string, changes: admin.PersonChanges, reason: unknown): Promise<UserRecord> {
    return admin.updatePerson(this.ctx, actorId, id, changes, reason);
  }

  deactivate(actorId: string, id: string, reason: unknown): Promise<admin.Deactivation> {
    return admin.deactivatePerson(this.ctx, actorId, id, reason);
  }

  reactivate(actorId: string, id: string, reason: unknown): Promise<UserRecord> {
    return admin.reactivatePerson(this.ctx, actorId, id, reason);
  }

  /** How the person's last deactivation went (from the audit trail). */
  lastDeactivation(actorId: string, id: string): ReturnType<typeof admin.lastDeactivation> {
    return admin.lastDeactivation(this.ctx, actorId, id);
  }

  /** The dry run of a CSV import: nothing is written. */
  planImport(actorId: string, csv: string): Promise<ImportPlan> {
    return planImport(this.ctx, actorId, csv);
  }

  /** Applies the import the dry run showed (its digest), all rows or none. */
  applyImport(actorId: string, csv: string, digest: unknown, fileName?: string): Promise<ImportPlan> {
    return applyImport(this.ctx, actorId, csv, digest, fileName);
  }

  /** Whether the person administers anyone (for a page to offer administration). */
  administers(user: UserRecord): boolean {
    return admin.administers(user);
  }
}
